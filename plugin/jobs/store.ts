// The job table, one database operation per function. Every status change goes through
// `transition`, which checks the `from` state in the UPDATE itself and writes the audit event
// in the same transaction, so two workers can never both move a job.
import type { Knex } from 'knex';
import type { Job, JobSource, JobStatus, JsonObject, PresetRef, WorkflowKind } from '../core/types.js';
import { jobFromRow, type Row } from '../core/rows.js';
import { newId } from '../core/ids.js';
import { isoAfter, nowIso } from '../core/time.js';
import { clientName } from '../db/connect.js';
import { insertEvent } from './events-store.js';

export type Db = Knex | Knex.Transaction;
const JOBS = 'media_jobs';

export interface NewJob {
  workflow: WorkflowKind;
  preset: PresetRef | null;
  params: JsonObject;
  inputIds: string[];
  priority: number;
  maxAttempts: number;
  submittedBy: string;
  idempotencyKey: string | null;
  source: JobSource;
  sourceRef: string | null;
}

export async function insertJob(knex: Knex, job: NewJob): Promise<Job> {
  const now = nowIso();
  const row = {
    id: newId(),
    workflow: job.workflow,
    preset_name: job.preset?.name ?? null,
    preset_version: job.preset?.version ?? null,
    preset_hash: job.preset?.hash ?? null,
    params: JSON.stringify(job.params),
    input_ids: JSON.stringify(job.inputIds),
    status: 'QUEUED',
    progress: 0,
    priority: job.priority,
    attempts: 0,
    max_attempts: job.maxAttempts,
    run_after: now,
    submitted_by: job.submittedBy,
    idempotency_key: job.idempotencyKey,
    source: job.source,
    source_ref: job.sourceRef,
    checkpoint: '{}',
    created_at: now,
    updated_at: now,
  };
  await knex.transaction(async (trx) => {
    await trx(JOBS).insert(row);
    await insertEvent(trx, {
      jobId: row.id,
      actor: job.submittedBy,
      type: 'submitted',
      from: null,
      to: 'QUEUED',
      details: { workflow: job.workflow, preset: job.preset?.name ?? null, inputs: job.inputIds },
    });
  });
  return jobFromRow(row);
}

export async function getJob(db: Db, id: string): Promise<Job | null> {
  const row = (await db(JOBS).where({ id }).first()) as Row | undefined;
  return row ? jobFromRow(row) : null;
}

export async function findJobByIdempotencyKey(db: Db, submittedBy: string, key: string): Promise<Job | null> {
  const row = (await db(JOBS).where({ submitted_by: submittedBy, idempotency_key: key }).first()) as Row | undefined;
  return row ? jobFromRow(row) : null;
}

export interface JobFilters {
  status?: JobStatus[];
  workflow?: WorkflowKind[];
  source?: JobSource;
  submittedBy?: string;
}

/** Newest first; `before` is the id of the last job of the previous page (ids sort by time). */
export async function listJobs(db: Db, filters: JobFilters, page: { before?: string; limit: number }): Promise<Job[]> {
  const query = db(JOBS).select('*');
  if (filters.status?.length) query.whereIn('status', filters.status);
  if (filters.workflow?.length) query.whereIn('workflow', filters.workflow);
  if (filters.source) query.where('source', filters.source);
  if (filters.submittedBy) query.where('submitted_by', filters.submittedBy);
  if (page.before) query.where('id', '<', page.before);
  const rows = (await query.orderBy('id', 'desc').limit(page.limit)) as Row[];
  return rows.map(jobFromRow);
}

export async function countActiveJobs(db: Db, submittedBy: string): Promise<number> {
  const row = (await db(JOBS)
    .where({ submitted_by: submittedBy })
    .whereIn('status', ['QUEUED', 'RUNNING'])
    .count({ n: '*' })
    .first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/** Submissions since `since`, and the oldest of them (to compute Retry-After). */
export async function submissionsSince(db: Db, submittedBy: string, since: string): Promise<{ count: number; oldest: string | null }> {
  const row = (await db(JOBS)
    .where({ submitted_by: submittedBy })
    .where('created_at', '>=', since)
    .count({ n: '*' })
    .min({ oldest: 'created_at' })
    .first()) as { n: number | string; oldest: unknown } | undefined;
  const oldest = row?.oldest;
  return {
    count: Number(row?.n ?? 0),
    oldest: oldest === null || oldest === undefined ? null : new Date(oldest instanceof Date ? oldest : String(oldest)).toISOString(),
  };
}

export async function countByStatus(db: Db): Promise<Record<JobStatus, number>> {
  const rows = (await db(JOBS).select('status').count({ n: '*' }).groupBy('status')) as { status: JobStatus; n: number | string }[];
  const counts: Record<JobStatus, number> = { QUEUED: 0, RUNNING: 0, SUCCEEDED: 0, FAILED: 0, CANCELLED: 0 };
  for (const r of rows) counts[r.status] = Number(r.n);
  return counts;
}

/** Distinct lease owners of running jobs whose lease is still valid: the live workers. */
export async function liveLeaseOwners(db: Db): Promise<string[]> {
  const rows = (await db(JOBS)
    .distinct('lease_owner')
    .where('status', 'RUNNING')
    .where('lease_expires_at', '>', nowIso())) as { lease_owner: string }[];
  return rows.map((r) => r.lease_owner);
}

export interface Claim {
  owner: string;
  kinds: WorkflowKind[];
  leaseMs: number;
}

/**
 * Claims the next runnable job of one of `kinds`: QUEUED -> RUNNING with a lease.
 * PostgreSQL: one statement with FOR UPDATE SKIP LOCKED. SQLite: a guarded UPDATE inside
 * a write transaction (SQLite serialises writers, the guard keeps it correct anyway).
 */
export async function claimNextJob(knex: Knex, claim: Claim): Promise<Job | null> {
  if (claim.kinds.length === 0) return null;
  const now = nowIso();
  const lease = isoAfter(claim.leaseMs);
  const claimed = await knex.transaction(async (trx) => {
    let row: Row | undefined;
    if (clientName(knex) === 'pg') {
      const result = await trx.raw(
        `UPDATE ${JOBS} SET status = 'RUNNING', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1,
           started_at = COALESCE(started_at, ?), updated_at = ?, stage = 'starting', error_code = NULL, error_message = NULL
         WHERE id = (
           SELECT id FROM ${JOBS}
           WHERE status = 'QUEUED' AND run_after <= ? AND workflow = ANY(?)
           ORDER BY priority DESC, run_after ASC, id ASC
           LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [claim.owner, lease, now, now, now, claim.kinds],
      );
      row = (result as { rows: Row[] }).rows[0];
    } else {
      // One statement, so SQLite takes the write lock up front (its busy timeout then waits for
      // other processes) instead of failing to upgrade a read transaction.
      const rows = (await trx.raw(
        `UPDATE ${JOBS} SET status = 'RUNNING', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1,
           started_at = COALESCE(started_at, ?), updated_at = ?, stage = 'starting', error_code = NULL, error_message = NULL
         WHERE status = 'QUEUED' AND id = (
           SELECT id FROM ${JOBS}
           WHERE status = 'QUEUED' AND run_after <= ? AND workflow IN (${claim.kinds.map(() => '?').join(', ')})
           ORDER BY priority DESC, run_after ASC, id ASC
           LIMIT 1)
         RETURNING *`,
        [claim.owner, lease, now, now, now, ...claim.kinds],
      )) as Row[];
      row = rows[0];
    }
    if (!row) return null;
    const job = jobFromRow(row);
    await insertEvent(trx, {
      jobId: job.id,
      actor: `worker:${claim.owner}`,
      type: 'claimed',
      from: 'QUEUED',
      to: 'RUNNING',
      details: { attempt: job.attempts },
    });
    return job;
  });
  return claimed;
}

/** Extends the lease; tells the caller whether it still holds the job and whether a cancel was requested. */
export async function heartbeat(db: Db, id: string, owner: string, leaseMs: number): Promise<{ held: boolean; cancelRequested: boolean }> {
  const updated = await db(JOBS)
    .where({ id, lease_owner: owner, status: 'RUNNING' })
    .update({ lease_expires_at: isoAfter(leaseMs) });
  if (updated !== 1) return { held: false, cancelRequested: false };
  const row = (await db(JOBS).select('cancel_requested_at').where({ id }).first()) as Row | undefined;
  return { held: true, cancelRequested: Boolean(row?.cancel_requested_at) };
}

export async function updateProgress(db: Db, id: string, owner: string, progress: number, stage: string | null): Promise<boolean> {
  const updated = await db(JOBS)
    .where({ id, lease_owner: owner, status: 'RUNNING' })
    .update({ progress, stage: stage?.slice(0, 500) ?? null, updated_at: nowIso() });
  return updated === 1;
}

export async function saveCheckpoint(db: Db, id: string, owner: string, state: JsonObject): Promise<boolean> {
  const updated = await db(JOBS).where({ id, lease_owner: owner, status: 'RUNNING' }).update({ checkpoint: JSON.stringify(state) });
  return updated === 1;
}

export async function setBackend(db: Db, id: string, backend: string | null): Promise<void> {
  await db(JOBS).where({ id }).update({ backend });
}

export async function markCancelRequested(db: Db, id: string): Promise<boolean> {
  const updated = await db(JOBS)
    .where({ id, status: 'RUNNING' })
    .whereNull('cancel_requested_at')
    .update({ cancel_requested_at: nowIso(), updated_at: nowIso() });
  return updated === 1;
}

/** Running jobs whose lease ran out: their worker died or hung. */
export async function jobsWithExpiredLease(db: Db, limit = 100): Promise<Job[]> {
  const rows = (await db(JOBS).where('status', 'RUNNING').where('lease_expires_at', '<', nowIso()).limit(limit)) as Row[];
  return rows.map(jobFromRow);
}

/** The earliest run_after among QUEUED jobs in the future (to sleep exactly until then). */
export async function nextRunAfter(db: Db, kinds: WorkflowKind[]): Promise<number | null> {
  if (kinds.length === 0) return null;
  const row = (await db(JOBS).where('status', 'QUEUED').whereIn('workflow', kinds).min({ at: 'run_after' }).first()) as
    | { at: unknown }
    | undefined;
  if (!row?.at) return null;
  return new Date(row.at instanceof Date ? row.at : String(row.at)).getTime();
}

export interface TransitionRequest {
  id: string;
  from: JobStatus[];
  to: JobStatus;
  actor: string;
  type: string;
  /** Only transition when this worker still holds the lease. */
  leaseOwner?: string;
  patch?: Record<string, unknown>;
  details?: JsonObject;
  /** Extra work in the same transaction (publishing outputs...). */
  alongside?: (trx: Knex.Transaction) => Promise<void>;
}

/** One guarded write plus one audit event; null when the job was not in a `from` state. */
export async function transition(knex: Knex, request: TransitionRequest): Promise<{ job: Job; from: JobStatus } | null> {
  return knex.transaction(async (trx) => {
    // SQLite: write first so the transaction holds the write lock before it reads (a deferred
    // transaction that reads then writes fails at once under contention instead of waiting).
    if (clientName(knex) === 'sqlite') await trx(JOBS).where({ id: request.id }).update({ status: trx.ref('status') });
    const before = (await trx(JOBS).select('status').where({ id: request.id }).first()) as { status: JobStatus } | undefined;
    if (!before || !request.from.includes(before.status)) return null;
    const now = nowIso();
    const guard: Record<string, unknown> = { id: request.id, status: before.status };
    if (request.leaseOwner) guard.lease_owner = request.leaseOwner;
    const terminal = request.to === 'SUCCEEDED' || request.to === 'FAILED' || request.to === 'CANCELLED';
    const updated = await trx(JOBS)
      .where(guard)
      .update({
        status: request.to,
        updated_at: now,
        ...(request.to !== 'RUNNING' ? { lease_owner: null, lease_expires_at: null } : {}),
        ...(terminal ? { finished_at: now } : {}),
        ...(request.patch ?? {}),
      });
    if (updated !== 1) return null;
    await request.alongside?.(trx);
    await insertEvent(trx, {
      jobId: request.id,
      actor: request.actor,
      type: request.type,
      from: before.status,
      to: request.to,
      details: request.details ?? {},
    });
    const row = (await trx(JOBS).where({ id: request.id }).first()) as Row;
    return { job: jobFromRow(row), from: before.status };
  });
}
