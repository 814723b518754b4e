// Read-only counts over media_jobs for the metrics scrape: one grouped query each.
import type { Knex } from 'knex';
import type { JobStatus, WorkflowKind } from '../core/types.js';
import { nowIso } from '../core/time.js';

const JOBS = 'media_jobs';

export interface KindStatusCount {
  workflow: WorkflowKind;
  status: JobStatus;
  count: number;
}

/** How many jobs the table holds, by workflow kind and status. */
export async function countByKindAndStatus(db: Knex): Promise<KindStatusCount[]> {
  const rows = (await db(JOBS).select('workflow', 'status').count({ n: '*' }).groupBy('workflow', 'status')) as {
    workflow: WorkflowKind;
    status: JobStatus;
    n: number | string;
  }[];
  return rows.map((r) => ({ workflow: r.workflow, status: r.status, count: Number(r.n) }));
}

/**
 * QUEUED jobs by kind, split into those a worker may claim now and those waiting out a retry
 * backoff (`run_after` still ahead): the same condition the claim uses.
 */
export async function queuedByKind(db: Knex): Promise<{ workflow: WorkflowKind; ready: number; waiting: number }[]> {
  const now = nowIso();
  const rows = (await db(JOBS)
    .select('workflow')
    .select(db.raw('SUM(CASE WHEN run_after <= ? THEN 1 ELSE 0 END) AS ready', [now]))
    .count({ n: '*' })
    .where('status', 'QUEUED')
    .groupBy('workflow')) as { workflow: WorkflowKind; ready: number | string | null; n: number | string }[];
  return rows.map((r) => ({ workflow: r.workflow, ready: Number(r.ready ?? 0), waiting: Number(r.n) - Number(r.ready ?? 0) }));
}
