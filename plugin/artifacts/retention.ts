// Retention of Media Lab's own artifacts: removes rows and files of outputs older than a cutoff
// and reports what that frees. Never removed: uploaded sources (role "input"), outputs of jobs
// that have not finished, artifacts a job or a kept artifact still points at (inputs, lineage),
// and files that a kept row still references (content-addressed files are shared by identical
// outputs). Job state comes from the caller (artifacts sit below jobs), as JobReferences.
import { readdir, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Knex } from 'knex';
import { jsonList } from '../core/rows.js';
import type { LocalStorage } from './storage.js';
import { removeIfUnreferenced } from './unreferenced.js';

const ARTIFACTS = 'media_artifacts';

export interface RetentionCounts {
  rows: number;
  files: number;
  bytes: number;
  /** Old rows or files kept because something still references them. */
  keptReferenced: number;
}

export type LabRetentionReport = RetentionCounts & { keptSources: number; skipped?: string };

export const emptyCounts = (): RetentionCounts => ({ rows: 0, files: 0, bytes: 0, keptReferenced: 0 });

/** What retention needs to know about jobs. */
export interface JobReferences {
  /** Every artifact id some job takes as input. */
  artifactIdsUsedAsInputs(): Promise<Set<string>>;
  /** A subquery of the ids of finished jobs: only their outputs may go. */
  finishedJobIds(): Knex.QueryBuilder;
}

export interface LabRetentionRequest {
  knex: Knex;
  /** Media Lab's artifact storage (lab artifacts are skipped without it). */
  storage?: LocalStorage;
  jobs: JobReferences;
  cutoff: string;
  dryRun: boolean;
}

async function sizeOf(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 0,
  );
}

/** Ids that must stay: inputs of any job, and parents of every artifact that stays (to a fixpoint). */
async function referencedArtifactIds(knex: Knex, jobs: JobReferences, candidateIds: Set<string>): Promise<Set<string>> {
  const keep = await jobs.artifactIdsUsedAsInputs();
  const withParents = (await knex(ARTIFACTS).select('id', 'parent_ids').whereNot('parent_ids', '[]')) as Array<{ id: string; parent_ids: unknown }>;
  const parentsOf = withParents.map((r) => ({ id: String(r.id), parents: jsonList(r.parent_ids) }));
  const stays = (id: string) => !candidateIds.has(id) || keep.has(id);
  for (let changed = true; changed; ) {
    changed = false;
    for (const { id, parents } of parentsOf) {
      if (!stays(id)) continue;
      for (const parent of parents) {
        if (!keep.has(parent)) {
          keep.add(parent);
          changed = true;
        }
      }
    }
  }
  return keep;
}

async function removeThumbnails(storage: LocalStorage, sha256: string): Promise<void> {
  const dir = dirname(storage.thumbPath(sha256, 0));
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith(`${sha256}-`)).map((n) => rm(`${dir}/${n}`, { force: true })));
}

export async function pruneLabArtifacts(request: LabRetentionRequest): Promise<LabRetentionReport> {
  const result = { ...emptyCounts(), keptSources: 0 };
  const { knex, storage, jobs, cutoff } = request;
  if (!storage) return { ...result, skipped: 'no artifact storage given' };
  if (!(await knex.schema.hasTable(ARTIFACTS))) return { ...result, skipped: `no ${ARTIFACTS} table` };

  const sources = (await knex(ARTIFACTS).where('role', 'input').where('created_at', '<', cutoff).count({ n: '*' }).first()) as { n: number | string } | undefined;
  result.keptSources = Number(sources?.n ?? 0);
  const old = (await knex(ARTIFACTS)
    .select('id', 'storage_key', 'sha256')
    .whereNot('role', 'input')
    .whereIn('job_id', jobs.finishedJobIds())
    .where('created_at', '<', cutoff)) as Array<{ id: string; storage_key: string; sha256: string }>;
  const referenced = await referencedArtifactIds(knex, jobs, new Set(old.map((a) => String(a.id))));
  const doomed = old.filter((a) => !referenced.has(String(a.id)));
  result.keptReferenced = old.length - doomed.length;
  result.rows = doomed.length;

  // A file goes only when no remaining row (an upload with the same bytes, another output) uses it.
  const doomedIds = new Set(doomed.map((a) => String(a.id)));
  const keys = [...new Set(doomed.map((a) => a.storage_key))];
  const removableKeys: Array<{ key: string; sha256: string }> = [];
  for (let i = 0; i < keys.length; i += 400) {
    const chunk = keys.slice(i, i + 400);
    const users = (await knex(ARTIFACTS).select('id', 'storage_key').whereIn('storage_key', chunk)) as Array<{ id: string; storage_key: string }>;
    const stillUsed = new Set(users.filter((u) => !doomedIds.has(String(u.id))).map((u) => u.storage_key));
    for (const key of chunk) {
      if (stillUsed.has(key)) result.keptReferenced++;
      else removableKeys.push({ key, sha256: doomed.find((a) => a.storage_key === key)?.sha256 ?? '' });
    }
  }
  result.files = removableKeys.length;
  for (const { key } of removableKeys) result.bytes += await sizeOf(storage.pathOf(key));
  if (request.dryRun) return result;

  const ids = doomed.map((a) => a.id);
  for (let i = 0; i < ids.length; i += 400) await knex(ARTIFACTS).whereIn('id', ids.slice(i, i + 400)).delete();
  for (const { key, sha256 } of removableKeys) {
    // Counted again at removal: an upload of the same bytes may have arrived since.
    if ((await removeIfUnreferenced(knex, storage, key)) && sha256) await removeThumbnails(storage, sha256);
  }
  return result;
}
