// Running a job under a lease: the claim (QUEUED -> RUNNING), the heartbeat that renews the
// lease and reports a cancel request, the writes only the lease holder may make while it runs,
// and the queries that find expired leases and the next job due.
import type { Knex } from 'knex';
import type { Artifact, Job, JsonObject, KindJob, WorkflowKind } from '../core/types.js';
import { jobFromRow, type Row } from '../core/rows.js';
import { isoAfter, nowIso } from '../core/time.js';
import { clientName } from '../db/connect.js';
import { deleteUnpublishedOfJob } from '../artifacts/store.js';
import { insertEvent } from './events-store.js';
import { transition } from './transition.js';
import { JOBS, type Db } from './table.js';

export interface Claim {
  owner: string;
  kinds: WorkflowKind[];
  leaseMs: number;
  /** Which lane's jobs: production (lane null or anything but `workbench`, the default) or the workbench's. */
  lane?: ClaimLane;
}

export type ClaimLane = 'production' | 'workbench';

/** The SQL condition (and its binding) that keeps one lane's jobs apart from the other's. */
function laneCondition(lane: ClaimLane = 'production'): { sql: string; bindings: string[] } {
  return lane === 'workbench' ? { sql: 'lane = ?', bindings: ['workbench'] } : { sql: '(lane IS NULL OR lane <> ?)', bindings: ['workbench'] };
}

/**
 * Claims the next runnable job of one of `kinds`: QUEUED -> RUNNING with a lease.
 * PostgreSQL: one statement with FOR UPDATE SKIP LOCKED that also writes the audit event.
 * SQLite: a guarded UPDATE and the event in a write transaction (SQLite serialises writers,
 * the guard keeps it correct anyway).
 */
export async function claimNextJob(knex: Knex, claim: Claim): Promise<KindJob | null> {
  if (claim.kinds.length === 0) return null;
  const now = nowIso();
  const lease = isoAfter(claim.leaseMs);
  const lane = laneCondition(claim.lane);
  if (clientName(knex) === 'pg') {
    // The claim and its audit event in one statement: one round trip, claimed or not.
    const result = await knex.raw(
      `WITH claimed AS (
         UPDATE ${JOBS} SET status = 'RUNNING', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1,
           started_at = COALESCE(started_at, ?), updated_at = ?, stage = 'starting', error_code = NULL, error_message = NULL
         WHERE id = (
           SELECT id FROM ${JOBS}
           WHERE status = 'QUEUED' AND run_after <= ? AND workflow = ANY(?) AND ${lane.sql}
           ORDER BY priority DESC, run_after ASC, id ASC
           LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING *),
       event AS (
         INSERT INTO media_job_events (job_id, at, actor, type, from_status, to_status, details)
         SELECT id, ?::timestamptz, ?, 'claimed', 'QUEUED', 'RUNNING', json_build_object('attempt', attempts)::text FROM claimed)
       SELECT * FROM claimed`,
      [claim.owner, lease, now, now, now, claim.kinds, ...lane.bindings, now, `worker:${claim.owner}`],
    );
    const row = (result as { rows: Row[] }).rows[0];
    return row ? (jobFromRow(row) as KindJob) : null; // the query takes only `claim.kinds`
  }
  return knex.transaction(async (trx) => {
    // One statement, so SQLite takes the write lock up front (its busy timeout then waits for
    // other processes) instead of failing to upgrade a read transaction.
    const rows = (await trx.raw(
      `UPDATE ${JOBS} SET status = 'RUNNING', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1,
         started_at = COALESCE(started_at, ?), updated_at = ?, stage = 'starting', error_code = NULL, error_message = NULL
       WHERE status = 'QUEUED' AND id = (
         SELECT id FROM ${JOBS}
         WHERE status = 'QUEUED' AND run_after <= ? AND workflow IN (${claim.kinds.map(() => '?').join(', ')}) AND ${lane.sql}
         ORDER BY priority DESC, run_after ASC, id ASC
         LIMIT 1)
       RETURNING *`,
      [claim.owner, lease, now, now, now, ...claim.kinds, ...lane.bindings],
    )) as Row[];
    const row = rows[0];
    if (!row) return null;
    const job = jobFromRow(row) as KindJob; // the query takes only `claim.kinds`
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
}

/**
 * Which attempt of a job a worker runs: its name and the attempt number it claimed. Every write
 * an attempt makes checks both in the same statement, so an attempt whose lease was swept (its
 * worker froze, then woke) writes nothing, even when a worker of the same name runs the job now.
 */
export interface AttemptLease {
  owner: string;
  attempt: number;
}

export function leaseOf(job: Job, owner: string): AttemptLease {
  return { owner, attempt: job.attempts };
}

/** The WHERE clause of a write only the lease holder may make. */
function heldBy(id: string, lease: AttemptLease): Record<string, unknown> {
  return { id, lease_owner: lease.owner, attempts: lease.attempt, status: 'RUNNING' };
}

/** Extends the lease; tells the caller whether it still holds the job and whether a cancel was requested. */
export async function heartbeat(db: Db, id: string, lease: AttemptLease, leaseMs: number): Promise<{ held: boolean; cancelRequested: boolean }> {
  const updated = await db(JOBS).where(heldBy(id, lease)).update({ lease_expires_at: isoAfter(leaseMs) });
  if (updated !== 1) return { held: false, cancelRequested: false };
  const row = (await db(JOBS).select('cancel_requested_at').where({ id }).first()) as Row | undefined;
  return { held: true, cancelRequested: Boolean(row?.cancel_requested_at) };
}

/**
 * Inside a transaction that writes for an attempt (recording an output): true while the attempt
 * holds its lease. The guarded UPDATE takes the job row's lock, so a lease sweep waits for the
 * transaction and then deletes what it wrote, or has already moved the job and this matches 0 rows.
 */
export async function confirmLease(trx: Knex.Transaction, id: string, lease: AttemptLease): Promise<boolean> {
  const updated = await trx(JOBS).where(heldBy(id, lease)).update({ lease_owner: lease.owner });
  return updated === 1;
}

export async function updateProgress(db: Db, id: string, lease: AttemptLease, progress: number, stage: string | null): Promise<boolean> {
  const updated = await db(JOBS)
    .where(heldBy(id, lease))
    .update({ progress, stage: stage?.slice(0, 500) ?? null, updated_at: nowIso() });
  return updated === 1;
}

export async function saveCheckpoint(db: Db, id: string, lease: AttemptLease, state: JsonObject): Promise<boolean> {
  const updated = await db(JOBS).where(heldBy(id, lease)).update({ checkpoint: JSON.stringify(state) });
  return updated === 1;
}

export async function setBackend(db: Db, id: string, lease: AttemptLease, backend: string | null): Promise<boolean> {
  const updated = await db(JOBS).where(heldBy(id, lease)).update({ backend });
  return updated === 1;
}

export interface ExpiredLease {
  job: Job;
  /** The dead attempts' unpublished outputs, whose rows went in the same transaction (their files are the caller's). */
  discarded: Artifact[];
  /** No attempts were left: the job FAILED (its work folder is the caller's to remove). */
  exhausted: boolean;
}

/**
 * Takes a job back from a worker whose lease ran out, in one transaction: RUNNING -> QUEUED (or
 * FAILED when no attempts remain), guarded by that attempt's owner, number and expired lease, and
 * its unpublished outputs deleted with it, so no crash can leave them for the next attempt.
 */
export async function expireLease(knex: Knex, job: Job, actor: string): Promise<ExpiredLease | null> {
  const exhausted = job.attempts >= job.maxAttempts;
  let discarded: Artifact[] = [];
  const result = await transition(knex, {
    id: job.id,
    from: ['RUNNING'],
    to: exhausted ? 'FAILED' : 'QUEUED',
    actor,
    type: 'lease-expired',
    leaseOwner: job.leaseOwner ?? undefined,
    attempt: job.attempts,
    leaseExpiredBefore: nowIso(),
    patch: exhausted
      ? { error_code: 'LEASE_LOST', error_message: `The worker running this job (${job.leaseOwner}) stopped answering on each of ${job.attempts} attempts.` }
      : { run_after: isoAfter(0), stage: 'waiting to resume (worker lost)' },
    details: { previousOwner: job.leaseOwner, attempts: job.attempts },
    alongside: async (trx) => {
      // Outputs of a dead attempt are never published; the next attempt makes its own.
      discarded = await deleteUnpublishedOfJob(trx, job.id);
    },
  });
  return result ? { job: result.job, discarded, exhausted } : null;
}

/** Running jobs whose lease ran out: their worker died or hung. */
export async function jobsWithExpiredLease(db: Db, limit = 100): Promise<Job[]> {
  const rows = (await db(JOBS).where('status', 'RUNNING').where('lease_expires_at', '<', nowIso()).limit(limit)) as Row[];
  return rows.map(jobFromRow);
}

/** The earliest run_after among QUEUED jobs in the future (to sleep exactly until then). */
export async function nextRunAfter(db: Db, kinds: WorkflowKind[], lane: ClaimLane = 'production'): Promise<number | null> {
  if (kinds.length === 0) return null;
  const condition = laneCondition(lane);
  const row = (await db(JOBS).where('status', 'QUEUED').whereIn('workflow', kinds).whereRaw(condition.sql, condition.bindings).min({ at: 'run_after' }).first()) as
    | { at: unknown }
    | undefined;
  if (!row?.at) return null;
  return new Date(row.at instanceof Date ? row.at : String(row.at)).getTime();
}


/**
 * QUEUED jobs of `kind` that wait for something outside them (a ComfyUI backend): their stage
 * says so. Only jobs whose stage differs are written; they are returned, to announce.
 * Not a state change (no attempt, no audit event): the job stays QUEUED.
 */
export async function markWaiting(db: Db, kind: WorkflowKind, stage: string): Promise<Job[]> {
  const ids = (
    (await db(JOBS)
      .select('id')
      .where({ status: 'QUEUED', workflow: kind })
      .andWhere((q) => q.whereNull('stage').orWhereNot('stage', stage))) as Array<{ id: string }>
  ).map((r) => r.id);
  if (ids.length === 0) return [];
  await db(JOBS).whereIn('id', ids).andWhere({ status: 'QUEUED' }).update({ stage, updated_at: nowIso() });
  const rows = (await db(JOBS).whereIn('id', ids).andWhere({ status: 'QUEUED', stage })) as Row[];
  return rows.map(jobFromRow);
}
