// The host's prompts table, one database operation per function. Every state change is a
// guarded UPDATE: it names the state it expects (and, after the claim, the exact claim marker
// it read), so two pollers can never both take or both finish the same prompt.
import type { Knex } from 'knex';
import type { JsonObject } from '../core/types.js';
import { MEDIA_PROMPT_TYPES, type PromptQueueOptions } from './options.js';
import type { HostSchema } from './host-schema.js';
import type { PromptId, PromptRow } from './host-row.js';

type Db = Knex | Knex.Transaction;


/** What artifact_metadata holds while a prompt is claimed. */
export interface ClaimMarker {
  claimedAt: string;
  claimedBy: string;
  jobId?: string;
  /** The claim's lease (ISO time), renewed by the poller holding it. */
  leaseUntil?: string;
  /** Set when a poller adopted the claim of a dead one: who held it before. */
  adoptedFrom?: string;
}

export function parseJsonText(value: unknown): unknown {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined; // not JSON: callers decide what that means
  }
}

export function claimMarkerOf(row: PromptRow, options: PromptQueueOptions): ClaimMarker | null {
  const parsed = parseJsonText(row[options.columns.artifactMetadata]);
  if (!parsed || typeof parsed !== 'object') return null;
  const marker = parsed as Partial<ClaimMarker>;
  return typeof marker.claimedAt === 'string' && typeof marker.claimedBy === 'string' ? (marker as ClaimMarker) : null;
}

/** Matches the artifact_metadata value exactly as it was read (the claim is still the same one). */
function whereMetadataIs(query: Knex.QueryBuilder, column: string, previous: unknown): Knex.QueryBuilder {
  return previous === null || previous === undefined ? query.whereNull(column) : query.where(column, previous as string);
}

/** Pending media prompts (of `types`, default every media type), oldest first (by id). Text prompts are never selected. */
export async function pendingPromptIds(db: Db, options: PromptQueueOptions, limit: number, types: readonly string[] = MEDIA_PROMPT_TYPES): Promise<PromptId[]> {
  const { columns: c } = options;
  if (types.length === 0) return [];
  const query = db(options.table).select(c.id).whereIn(c.promptType, [...types]);
  if (options.mediaOnly) query.where(c.artifactStatus, 'pending');
  else query.where(c.status, options.statuses.pending).where((q) => q.whereNull(c.artifactStatus).orWhereNot(c.artifactStatus, 'processing'));
  const rows = (await query.orderBy(c.id).limit(limit)) as PromptRow[];
  return rows.map((r) => r[c.id] as PromptId);
}

/** pending -> processing. Returns false when another poller took it first. */
export async function claimPrompt(db: Db, options: PromptQueueOptions, id: PromptId, marker: ClaimMarker): Promise<boolean> {
  const { columns: c } = options;
  const query = db(options.table).where(c.id, id).whereIn(c.promptType, [...MEDIA_PROMPT_TYPES]);
  const patch: Record<string, unknown> = { [c.artifactStatus]: 'processing', [c.artifactMetadata]: JSON.stringify(marker) };
  if (options.mediaOnly) query.where(c.artifactStatus, 'pending');
  else {
    query.where(c.status, options.statuses.pending).where((q) => q.whereNull(c.artifactStatus).orWhereNot(c.artifactStatus, 'processing'));
    patch[c.status] = options.statuses.processing;
  }
  return (await query.update(patch)) === 1;
}

export async function getPrompt(db: Db, options: PromptQueueOptions, id: PromptId): Promise<PromptRow | null> {
  return ((await db(options.table).where(options.columns.id, id).first()) as PromptRow | undefined) ?? null;
}

/** Claimed prompts whose outcome is not written yet (any poller's). */
export async function processingPrompts(db: Db, options: PromptQueueOptions, limit = 500): Promise<PromptRow[]> {
  const { columns: c } = options;
  return (await db(options.table)
    .where(c.artifactStatus, 'processing')
    .whereIn(c.promptType, [...MEDIA_PROMPT_TYPES])
    .orderBy(c.id)
    .limit(limit)) as PromptRow[];
}

/** Writes the job id into the claim marker (guarded on the marker written at claim time). */
export async function recordPromptJob(db: Db, options: PromptQueueOptions, row: PromptRow, jobId: string): Promise<PromptRow | null> {
  const { columns: c } = options;
  const marker = claimMarkerOf(row, options);
  if (!marker) return null;
  const next = JSON.stringify({ ...marker, jobId });
  const query = db(options.table).where(c.id, row[c.id] as PromptId).where(c.artifactStatus, 'processing');
  const updated = await whereMetadataIs(query, c.artifactMetadata, row[c.artifactMetadata]).update({ [c.artifactMetadata]: next });
  return updated === 1 ? { ...row, [c.artifactMetadata]: next } : null;
}

/** Replaces the claim marker (lease renewal, adoption), guarded on the marker that was read. */
export async function updateClaimMarker(db: Db, options: PromptQueueOptions, row: PromptRow, marker: ClaimMarker): Promise<PromptRow | null> {
  const { columns: c } = options;
  const next = JSON.stringify(marker);
  const query = db(options.table).where(c.id, row[c.id] as PromptId).where(c.artifactStatus, 'processing');
  const updated = await whereMetadataIs(query, c.artifactMetadata, row[c.artifactMetadata]).update({ [c.artifactMetadata]: next });
  return updated === 1 ? { ...row, [c.artifactMetadata]: next } : null;
}

/** processing -> pending: the claim is given back untouched (quota reached, or its submitter died). */
export async function releasePrompt(db: Db, options: PromptQueueOptions, row: PromptRow): Promise<boolean> {
  const { columns: c } = options;
  const patch: Record<string, unknown> = { [c.artifactStatus]: 'pending', [c.artifactMetadata]: null };
  if (!options.mediaOnly) patch[c.status] = options.statuses.pending;
  const query = db(options.table).where(c.id, row[c.id] as PromptId).where(c.artifactStatus, 'processing');
  return (await whereMetadataIs(query, c.artifactMetadata, row[c.artifactMetadata]).update(patch)) === 1;
}

export interface PromptOutcome {
  summary: JsonObject;
  durationSeconds: number;
  /** Set for a failure: the cause, for error_message. */
  errorMessage?: string;
}

/** processing -> completed/ready or failed/error, guarded on the claim marker that was read. */
export async function finishPrompt(db: Db, options: PromptQueueOptions, schema: HostSchema, row: PromptRow, outcome: PromptOutcome): Promise<boolean> {
  const { columns: c } = options;
  const failed = outcome.errorMessage !== undefined;
  const patch: Record<string, unknown> = {
    [c.artifactStatus]: failed ? 'error' : 'ready',
    [c.artifactMetadata]: JSON.stringify(outcome.summary),
  };
  if (!options.mediaOnly) {
    patch[c.status] = failed ? options.statuses.failed : options.statuses.completed;
    if (schema.has.errorMessage) patch[c.errorMessage] = failed ? outcome.errorMessage : null;
    if (schema.has.completedAt && !failed) patch[c.completedAt] = new Date().toISOString();
    if (schema.has.processingDuration) {
      patch[c.processingDuration] = schema.durationIsInteger ? Math.round(outcome.durationSeconds) : Math.round(outcome.durationSeconds * 1000) / 1000;
    }
  }
  const query = db(options.table).where(c.id, row[c.id] as PromptId).where(c.artifactStatus, 'processing');
  return (await whereMetadataIs(query, c.artifactMetadata, row[c.artifactMetadata]).update(patch)) === 1;
}

export interface PromptFilters {
  types?: string[];
  statuses?: string[];
  artifactStatuses?: string[];
}

/** Newest first (by id); `before` is the last id of the previous page. */
export async function listPrompts(db: Db, options: PromptQueueOptions, filters: PromptFilters, page: { before?: PromptId; limit: number }): Promise<PromptRow[]> {
  const { columns: c } = options;
  const query = db(options.table);
  if (filters.types?.length) query.whereIn(c.promptType, filters.types);
  if (filters.statuses?.length) query.whereIn(c.status, filters.statuses);
  if (filters.artifactStatuses?.length) query.whereIn(c.artifactStatus, filters.artifactStatuses);
  if (page.before !== undefined) query.where(c.id, '<', page.before);
  return (await query.orderBy(c.id, 'desc').limit(page.limit)) as PromptRow[];
}

/** Merges a note into artifact_metadata of prompts whose media was pruned. */
export async function markPromptsPruned(db: Db, options: PromptQueueOptions, ids: PromptId[], prunedAt: string): Promise<void> {
  const { columns: c } = options;
  for (const id of ids) {
    const row = await getPrompt(db, options, id);
    if (!row) continue;
    const current = parseJsonText(row[c.artifactMetadata]);
    const merged = { ...(current && typeof current === 'object' ? (current as JsonObject) : {}), prunedAt };
    await db(options.table).where(c.id, id).update({ [c.artifactMetadata]: JSON.stringify(merged) });
  }
}
