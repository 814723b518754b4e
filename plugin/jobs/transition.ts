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
    if (request.attempt !== undefined) guard.attempts = request.attempt;
    const terminal = isTerminal(request.to);
    const query = trx(JOBS).where(guard);
    if (request.leaseExpiredBefore) query.where('lease_expires_at', '<', request.leaseExpiredBefore);
    if (request.waiting) query.where('run_after', '>=', WAITING_FROM);
    const updated = await query
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
