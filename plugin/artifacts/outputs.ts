// Turns executor outputs into artifact rows (unpublished until the job succeeds), and removes
// the rows and files of outputs that must never be published.
import type { Knex } from 'knex';
import type { Artifact, Job, OutputSpec } from '../core/types.js';
import { newId } from '../core/ids.js';
import { nowIso } from '../core/time.js';
import { deleteUnpublishedByIds, deleteUnpublishedOfJob, insertArtifact, mediaColumns } from './store.js';
import { removeIfUnreferenced } from './unreferenced.js';
import type { LocalStorage } from './storage.js';

export async function recordOutput(knex: Knex, storage: LocalStorage, job: Job, spec: OutputSpec): Promise<Artifact> {
  return storage.adopt(spec.path, spec.facts.mime, undefined, async (stored) => {
    const artifact: Artifact = {
      id: newId(),
      jobId: job.id,
      role: spec.role ?? 'output',
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
      },
      parentIds: spec.parentIds ?? job.inputIds,
      published: false,
      createdBy: job.submittedBy,
      createdAt: nowIso(),
    };
    try {
      await insertArtifact(knex, artifact);
    } catch (error) {
      // No row, no file: never leave an unindexed object behind.
      await removeIfUnreferenced(knex, storage, stored.storageKey).catch(() => undefined);
      throw error;
    }
    return artifact;
  });
}

/** Deletes a job's unpublished artifacts and any file no other row still points to. */
export async function discardUnpublished(knex: Knex, storage: LocalStorage, jobId: string): Promise<number> {
  const removed = await deleteUnpublishedOfJob(knex, jobId);
  for (const artifact of removed) await removeIfUnreferenced(knex, storage, artifact.storageKey);
  return removed.length;
}

/** Deletes these artifacts while still unpublished, and any of their files no other row points to. */
export async function discardArtifacts(knex: Knex, storage: LocalStorage, ids: string[]): Promise<number> {
  const removed = await deleteUnpublishedByIds(knex, ids);
  for (const artifact of removed) await removeIfUnreferenced(knex, storage, artifact.storageKey);
  return removed.length;
}
