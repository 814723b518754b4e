// Retention: removes artifacts (rows and files) older than a cutoff and reports what that frees.
// Never removed: uploaded sources (role "input"), artifacts another job or a kept artifact still
// points at (inputs, lineage), and files that a kept row still references (content-addressed
// files are shared by identical outputs).
import { readdir, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Knex } from 'knex';
import type { LocalStorage } from '../artifacts/storage.js';
import { removeIfUnreferenced } from '../artifacts/unreferenced.js';
import type { PromptQueueOptions } from './options.js';
import type { PromptMediaRoot } from './media-root.js';
import { artifactsCreatedBefore, deletePromptArtifacts, pathsStillReferenced } from './artifact-rows.js';
import { markPromptsPruned } from './prompt-rows.js';
import type { PromptId } from './host-row.js';

export type PruneScope = 'all' | 'prompts' | 'lab';

export interface PruneRequest {
  knex: Knex;
  olderThanMs: number;
  dryRun: boolean;
  scope?: PruneScope;
  /** Media Lab's artifact storage (lab artifacts are skipped without it). */
  storage?: LocalStorage;
  /** The prompt-queue adapter's names and media root (prompt artifacts are skipped without them). */
  promptQueue?: { options: PromptQueueOptions; media: PromptMediaRoot };
  now?: number;
}

export interface PruneCounts {
  rows: number;
  files: number;
  bytes: number;
  /** Old rows or files kept because something still references them. */
  keptReferenced: number;
}

export interface PruneReport {
  cutoff: string;
  dryRun: boolean;
  promptArtifacts: PruneCounts & { prompts: number; skipped?: string };
  labArtifacts: PruneCounts & { keptSources: number; skipped?: string };
  bytes: number;
}

const TERMINAL = ['SUCCEEDED', 'FAILED', 'CANCELLED'];
const counts = (): PruneCounts => ({ rows: 0, files: 0, bytes: 0, keptReferenced: 0 });

async function sizeOf(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 0,
  );
}

function jsonList(value: unknown): string[] {
  if (typeof value !== 'string') return Array.isArray(value) ? value.map(String) : [];
  try {
    const parsed = JSON.parse(value) as unknown;
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}

async function prunePromptArtifacts(request: PruneRequest, cutoff: string): Promise<PruneReport['promptArtifacts']> {
  const result = { ...counts(), prompts: 0 };
  if (!request.promptQueue) return { ...result, skipped: 'the prompt-queue adapter is not configured' };
  const { options, media } = request.promptQueue;
  const { knex } = request;
  if (!(await knex.schema.hasTable(options.artifactsTable))) return { ...result, skipped: `no ${options.artifactsTable} table` };

  const old = await artifactsCreatedBefore(knex, options.artifactsTable, cutoff);
  const ids = old.map((a) => a.id);
  const paths = [...new Set(old.flatMap((a) => [a.filePath, ...(a.previewPath ? [a.previewPath] : [])]))];
  const referenced = await pathsStillReferenced(knex, options.artifactsTable, paths, ids);
  const removable = paths.filter((p) => !referenced.has(p));
  result.rows = old.length;
  result.files = removable.length;
  result.keptReferenced = referenced.size;
  result.prompts = new Set(old.map((a) => String(a.promptId))).size;
  for (const path of removable) result.bytes += await media.sizeOf(path);
  if (request.dryRun) return result;

  await deletePromptArtifacts(knex, options.artifactsTable, ids);
  for (const path of removable) await media.remove(path);
  const promptIds = [...new Map(old.map((a) => [String(a.promptId), a.promptId as PromptId])).values()];
  await markPromptsPruned(knex, options, promptIds, new Date(request.now ?? Date.now()).toISOString());
  return result;
}

/** Ids that must stay: inputs of any job, and parents of every artifact that stays (to a fixpoint). */
async function referencedArtifactIds(knex: Knex, candidateIds: Set<string>): Promise<Set<string>> {
  const keep = new Set<string>();
  const jobs = (await knex('media_jobs').select('input_ids').whereNot('input_ids', '[]')) as Array<{ input_ids: unknown }>;
  for (const job of jobs) for (const id of jsonList(job.input_ids)) keep.add(id);
  const withParents = (await knex('media_artifacts').select('id', 'parent_ids').whereNot('parent_ids', '[]')) as Array<{ id: string; parent_ids: unknown }>;
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

async function pruneLabArtifacts(request: PruneRequest, cutoff: string): Promise<PruneReport['labArtifacts']> {
  const result = { ...counts(), keptSources: 0 };
  const { knex, storage } = request;
  if (!storage) return { ...result, skipped: 'no artifact storage given' };
  if (!(await knex.schema.hasTable('media_artifacts'))) return { ...result, skipped: 'no media_artifacts table' };

  const sources = (await knex('media_artifacts').where('role', 'input').where('created_at', '<', cutoff).count({ n: '*' }).first()) as { n: number | string } | undefined;
  result.keptSources = Number(sources?.n ?? 0);
  const old = (await knex('media_artifacts as a')
    .join('media_jobs as j', 'j.id', 'a.job_id')
    .select('a.id', 'a.storage_key', 'a.sha256')
    .whereNot('a.role', 'input')
    .whereIn('j.status', TERMINAL)
    .where('a.created_at', '<', cutoff)) as Array<{ id: string; storage_key: string; sha256: string }>;
  const referenced = await referencedArtifactIds(knex, new Set(old.map((a) => String(a.id))));
  const doomed = old.filter((a) => !referenced.has(String(a.id)));
  result.keptReferenced = old.length - doomed.length;
  result.rows = doomed.length;

  // A file goes only when no remaining row (an upload with the same bytes, another output) uses it.
  const doomedIds = new Set(doomed.map((a) => String(a.id)));
  const keys = [...new Set(doomed.map((a) => a.storage_key))];
  const removableKeys: Array<{ key: string; sha256: string }> = [];
  for (let i = 0; i < keys.length; i += 400) {
    const chunk = keys.slice(i, i + 400);
    const users = (await knex('media_artifacts').select('id', 'storage_key').whereIn('storage_key', chunk)) as Array<{ id: string; storage_key: string }>;
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
  for (let i = 0; i < ids.length; i += 400) await knex('media_artifacts').whereIn('id', ids.slice(i, i + 400)).delete();
  for (const { key, sha256 } of removableKeys) {
    // Counted again at removal: an upload of the same bytes may have arrived since.
    if ((await removeIfUnreferenced(knex, storage, key)) && sha256) await removeThumbnails(storage, sha256);
  }
  return result;
}

export async function prune(request: PruneRequest): Promise<PruneReport> {
  const cutoff = new Date((request.now ?? Date.now()) - request.olderThanMs).toISOString();
  const scope = request.scope ?? 'all';
  const promptArtifacts = scope === 'lab' ? { ...counts(), prompts: 0, skipped: 'scope is lab' } : await prunePromptArtifacts(request, cutoff);
  const labArtifacts = scope === 'prompts' ? { ...counts(), keptSources: 0, skipped: 'scope is prompts' } : await pruneLabArtifacts(request, cutoff);
  return { cutoff, dryRun: request.dryRun, promptArtifacts, labArtifacts, bytes: promptArtifacts.bytes + labArtifacts.bytes };
}

/** `30d`, `12h`, `90m`, `2w`, `45s` -> milliseconds. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/.exec(text.trim());
  if (!match) return null;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[match[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(match[1]) * unit;
}
