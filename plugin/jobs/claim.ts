// Running a job under a lease: the claim (QUEUED -> RUNNING), the heartbeat that renews the
// lease and reports a cancel request, the writes only the lease holder may make while it runs,
// and the queries that find expired leases and the next job due.
import type { Knex } from 'knex';
import type { Job, JsonObject, WorkflowKind } from '../core/types.js';
import { jobFromRow, type Row } from '../core/rows.js';
import { isoAfter, nowIso } from '../core/time.js';
import { clientName } from '../db/connect.js';
import { insertEvent } from './events-store.js';
import { JOBS, type Db } from './table.js';

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

