// Retention: removes artifacts (rows and files) older than a cutoff and reports what that frees:
// the host's prompt artifacts here, Media Lab's own through artifacts/retention.ts. Never
// removed: artifacts something still points at, and files that a kept row still references
// (files are shared by identical outputs).
import type { Knex } from 'knex';
import type { LocalStorage } from '../artifacts/storage.js';
import { emptyCounts as counts, pruneLabArtifacts, type LabRetentionReport, type RetentionCounts } from '../artifacts/retention.js';
import { artifactIdsUsedAsInputs, finishedJobIds } from '../jobs/store.js';
import type { PromptQueueOptions } from './options.js';
import type { PromptMediaRoot } from './media-root.js';
import { artifactsCreatedBefore, deletePromptArtifacts, pathsStillReferenced } from './artifact-rows.js';
import { markPromptsPruned } from './prompt-rows.js';
import type { PromptId } from './host-row.js';

/** `30d`, `12h`, `90m`, `2w`, `45s` -> milliseconds (the parser lives in contract/duration.ts). */
export { parseDuration } from '../../contract/duration.js';

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

export type PruneCounts = RetentionCounts;

export interface PruneReport {
  cutoff: string;
  dryRun: boolean;
  promptArtifacts: PruneCounts & { prompts: number; skipped?: string };
  labArtifacts: LabRetentionReport;
  bytes: number;
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

function pruneLab(request: PruneRequest, cutoff: string): Promise<LabRetentionReport> {
  const { knex, storage, dryRun } = request;
  const jobs = { artifactIdsUsedAsInputs: () => artifactIdsUsedAsInputs(knex), finishedJobIds: () => finishedJobIds(knex) };
  return pruneLabArtifacts({ knex, storage, jobs, cutoff, dryRun });
}

export async function prune(request: PruneRequest): Promise<PruneReport> {
  const cutoff = new Date((request.now ?? Date.now()) - request.olderThanMs).toISOString();
  const scope = request.scope ?? 'all';
  const promptArtifacts = scope === 'lab' ? { ...counts(), prompts: 0, skipped: 'scope is lab' } : await prunePromptArtifacts(request, cutoff);
  const labArtifacts = scope === 'prompts' ? { ...counts(), keptSources: 0, skipped: 'scope is prompts' } : await pruneLab(request, cutoff);
  return { cutoff, dryRun: request.dryRun, promptArtifacts, labArtifacts, bytes: promptArtifacts.bytes + labArtifacts.bytes };
}
