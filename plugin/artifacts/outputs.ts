// Turns executor outputs into artifact rows (unpublished until the job succeeds), and removes
// the rows and files of outputs that must never be published.
import type { Knex } from 'knex';
import type { Artifact, Job, OutputSpec } from '../core/types.js';
import { newId } from '../core/ids.js';
import { nowIso } from '../core/time.js';
import { JobStopped } from '../../contract/stop.js';
import { deleteUnpublishedByIds, deleteUnpublishedOfJob, insertArtifact, mediaColumns, type AttemptFilter } from './store.js';
import { removeIfUnreferenced } from './unreferenced.js';
import type { LocalStorage } from './storage.js';

/**
 * Inside the transaction that writes an output's row: whether the attempt still holds its lease
 * (a guarded write on the job's row, which also holds that row until the transaction ends).
 */
export type LeaseFence = (trx: Knex.Transaction) => Promise<boolean>;

/**
 * Adopts an output file and writes its row (unpublished, tagged with the job's attempt) in one
 * transaction with `fence`. When the lease is gone the row is not written, the object is removed
 * unless another row refers to it, and this throws JobStopped('lease-lost').
 */
export async function recordOutput(knex: Knex, storage: LocalStorage, job: Job, spec: OutputSpec, fence: LeaseFence): Promise<Artifact> {
  return storage.adopt(spec.path, spec.facts.mime, undefined, async (stored) => {
    const artifact: Artifact = {
      id: newId(),
      jobId: job.id,
      // A chain's inner step makes intermediates (its job row says so); previews stay previews.
      role: spec.role === 'preview' ? 'preview' : job.outputRole ?? spec.role ?? 'output',
      ...mediaColumns(spec.facts),
      storageKey: stored.storageKey,
      sha256: stored.sha256,
      bytes: stored.bytes,
      metadata: {
        ...(spec.facts.metadata ?? {}),
        ...(spec.metadata ?? {}),
        workflow: job.workflow,
        ...(job.preset ? { preset: { name: job.preset.name, version: job.preset.version, hash: job.preset.hash } } : {}),
        submittedBy: job.submittedBy,
        attempt: job.attempts,
        ...(job.parentJobId ? { chainJobId: job.parentJobId, stepId: job.stepId } : {}),
      },
      parentIds: spec.parentIds ?? job.inputIds,
      published: false,
      createdBy: job.submittedBy,
      createdAt: nowIso(),
    };
    let held = true;
    try {
      await knex.transaction(async (trx) => {
        held = await fence(trx);
        if (held) await insertArtifact(trx, artifact, job.attempts);
      });
    } catch (error) {
      // No row, no file: never leave an unindexed object behind.
      await removeIfUnreferenced(knex, storage, stored.storageKey).catch(() => undefined);
      throw error;
    }
    if (!held) {
      // Identical bytes recorded by the attempt that holds the job now keep their file.
      await removeIfUnreferenced(knex, storage, stored.storageKey).catch(() => undefined);
      throw new JobStopped('lease-lost');
    }
    return artifact;
  });
}

/** Deletes a job's unpublished artifacts (all, or one attempt's) and any file no other row still points to. */
export async function discardUnpublished(knex: Knex, storage: LocalStorage, jobId: string, which: AttemptFilter = {}): Promise<number> {
  const removed = await deleteUnpublishedOfJob(knex, jobId, which);
  await removeFilesOf(knex, storage, removed);
  return removed.length;
}

/** Removes the files of artifacts whose rows are gone, each unless another row still points to it. */
export async function removeFilesOf(knex: Knex, storage: LocalStorage, removed: Artifact[]): Promise<void> {
  for (const artifact of removed) await removeIfUnreferenced(knex, storage, artifact.storageKey);
}

/** Deletes these artifacts while still unpublished, and any of their files no other row points to. */
export async function discardArtifacts(knex: Knex, storage: LocalStorage, ids: string[]): Promise<number> {
  const removed = await deleteUnpublishedByIds(knex, ids);
  for (const artifact of removed) await removeIfUnreferenced(knex, storage, artifact.storageKey);
  return removed.length;
}
