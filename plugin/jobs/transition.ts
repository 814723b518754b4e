// Every status change of a job: one guarded write that checks the `from` state in the UPDATE
// itself, plus one audit event in the same transaction, so two workers can never both move a job.
import type { Knex } from 'knex';
import type { Job, JobStatus, JsonObject } from '../core/types.js';
import { isTerminal } from '../core/types.js';
import { jobFromRow, type Row } from '../core/rows.js';
import { nowIso } from '../core/time.js';
import { clientName } from '../db/connect.js';
import { insertEvent } from './events-store.js';
import { JOBS, WAITING_FROM } from './table.js';

export interface TransitionRequest {
  id: string;
  from: JobStatus[];
  to: JobStatus;
  actor: string;
  type: string;
  /** Only transition when this worker still holds the lease. */
  leaseOwner?: string;
  /** Only transition while the job is on this attempt (with leaseOwner: that attempt's lease). */
  attempt?: number;
  /** Only transition when the lease ran out before this instant (the lease sweep). */
  leaseExpiredBefore?: string;
  /** Only transition a chain step that still waits for its upstream steps (not yet released to a worker). */
  waiting?: boolean;
  patch?: Record<string, unknown>;
  details?: JsonObject;
  /** Extra work in the same transaction (publishing outputs...). */
  alongside?: (trx: Knex.Transaction) => Promise<void>;
}

/** The columns a transition writes: its status, the lease and end it implies, and the patch. */
function changesOf(request: TransitionRequest, now: string): Record<string, unknown> {
  return {
    status: request.to,
    updated_at: now,
    ...(request.to !== 'RUNNING' ? { lease_owner: null, lease_expires_at: null } : {}),
    ...(isTerminal(request.to) ? { finished_at: now } : {}),
    ...(request.patch ?? {}),
  };
}

/** One guarded write plus one audit event; null when the job was not in a `from` state. */
export async function transition(knex: Knex, request: TransitionRequest): Promise<{ job: Job; from: JobStatus } | null> {
  if (clientName(knex) === 'pg') {
    const { alongside } = request;
    if (!alongside) return transitionPg(knex, request);
    // The work alongside reads and writes other rows (artifacts), never the job's.
    return knex.transaction(async (trx) => {
      const result = await transitionPg(trx, request);
      if (result) await alongside(trx);
      return result;
    });
  }
  return knex.transaction(async (trx) => {
    // SQLite: write first so the transaction holds the write lock before it reads (a deferred
    // transaction that reads then writes fails at once under contention instead of waiting).
    if (clientName(knex) === 'sqlite') await trx(JOBS).where({ id: request.id }).update({ status: trx.ref('status') });
    const before = (await trx(JOBS).select('status').where({ id: request.id }).first()) as { status: JobStatus } | undefined;
    if (!before || !request.from.includes(before.status)) return null;
    const now = nowIso();
    const guard: Record<string, unknown> = { id: request.id, status: before.status };
    if (request.leaseOwner) guard.lease_owner = request.leaseOwner;
    if (request.attempt !== undefined) guard.attempts = request.attempt;
    const query = trx(JOBS).where(guard);
    if (request.leaseExpiredBefore) query.where('lease_expires_at', '<', request.leaseExpiredBefore);
    if (request.waiting) query.where('run_after', '>=', WAITING_FROM);
    const updated = await query.update(changesOf(request, now));
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

/**
 * PostgreSQL: the guarded write and its audit event in one statement (one round trip instead of
 * a transaction's six). The job's row is locked in the FROM subquery, so the status it had (the
 * event's `from`) is the one the guard checked.
 */
async function transitionPg(knex: Knex | Knex.Transaction, request: TransitionRequest): Promise<{ job: Job; from: JobStatus } | null> {
  const now = nowIso();
  const changes = Object.entries(changesOf(request, now)).filter(([, value]) => value !== undefined); // (as knex's update skips them)
  const conditions = ['j.id = old.id', 'j.status = old.status', 'old.status = ANY(?)'];
  const guards: Knex.RawBinding[] = [request.from];
  const guard = (condition: string, value: Knex.RawBinding) => {
    conditions.push(condition);
    guards.push(value);
  };
  if (request.leaseOwner) guard('j.lease_owner = ?', request.leaseOwner);
  if (request.attempt !== undefined) guard('j.attempts = ?', request.attempt);
  if (request.leaseExpiredBefore) guard('j.lease_expires_at < ?', request.leaseExpiredBefore);
  if (request.waiting) guard('j.run_after >= ?', WAITING_FROM);
  const result = (await knex.raw(
    `WITH changed AS (
       UPDATE ${JOBS} AS j SET ${changes.map(() => '?? = ?').join(', ')}
       FROM (SELECT id, status FROM ${JOBS} WHERE id = ? FOR UPDATE) AS old
       WHERE ${conditions.join(' AND ')}
       RETURNING j.*, old.status AS transition_from),
     event AS (
       INSERT INTO media_job_events (job_id, at, actor, type, from_status, to_status, details)
       SELECT id, ?::timestamptz, ?, ?, transition_from, ?, ? FROM changed)
     SELECT * FROM changed`,
    [
      ...(changes.flat() as Knex.RawBinding[]),
      request.id,
      ...guards,
      now,
      request.actor,
      request.type,
      request.to,
      JSON.stringify(request.details ?? {}),
    ],
  )) as { rows: Row[] };
  const row = result.rows[0];
  if (!row) return null;
  const from = row.transition_from as JobStatus;
  delete row.transition_from;
  return { job: jobFromRow(row), from };
}
