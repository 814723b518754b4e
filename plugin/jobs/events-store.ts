// The audit trail: who moved which job from what to what, when, and why.
import type { Knex } from 'knex';
import type { JobStatus, JsonObject } from '../core/types.js';
import { nowIso, toIso } from '../core/time.js';

export interface AuditEvent {
  id: number;
  jobId: string;
  at: string;
  actor: string;
  type: string;
  from: JobStatus | null;
  to: JobStatus | null;
  details: JsonObject;
}

export interface NewAuditEvent {
  jobId: string;
  actor: string;
  type: string;
  from: JobStatus | null;
  to: JobStatus | null;
  details?: JsonObject;
}

function eventRowOf(event: NewAuditEvent, at: string) {
  return {
    job_id: event.jobId,
    at,
    actor: event.actor,
    type: event.type,
    from_status: event.from,
    to_status: event.to,
    details: JSON.stringify(event.details ?? {}),
  };
}

export async function insertEvent(db: Knex | Knex.Transaction, event: NewAuditEvent): Promise<void> {
  await db('media_job_events').insert(eventRowOf(event, nowIso()));
}

/** Several events in one statement. */
export async function insertEvents(db: Knex | Knex.Transaction, events: NewAuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  const at = nowIso();
  await db('media_job_events').insert(events.map((e) => eventRowOf(e, at)));
}

/**
 * PostgreSQL: a guarded UPDATE of one row (built with `returning('id')`) and its audit event in
 * one statement (one round trip instead of a transaction's four). False when the UPDATE matched
 * nothing (then no event is written either).
 */
export async function updateWithEventPg(db: Knex | Knex.Transaction, update: Knex.QueryBuilder, event: Omit<NewAuditEvent, 'jobId'>): Promise<boolean> {
  const result = (await db.raw(
    `WITH changed AS (?) INSERT INTO media_job_events (job_id, at, actor, type, from_status, to_status, details)
     SELECT id, ?::timestamptz, ?, ?, ?, ?, ? FROM changed RETURNING job_id`,
    [update, nowIso(), event.actor, event.type, event.from, event.to, JSON.stringify(event.details ?? {})],
  )) as { rows: unknown[] };
  return result.rows.length === 1;
}

export async function listEvents(db: Knex | Knex.Transaction, jobId: string): Promise<AuditEvent[]> {
  const rows = (await db('media_job_events').where({ job_id: jobId }).orderBy('id', 'asc')) as Record<string, unknown>[];
  return rows.map((r) => ({
    id: Number(r.id),
    jobId: String(r.job_id),
    at: toIso(r.at),
    actor: String(r.actor),
    type: String(r.type),
    from: (r.from_status as JobStatus | null) ?? null,
    to: (r.to_status as JobStatus | null) ?? null,
    details: typeof r.details === 'string' ? (JSON.parse(r.details) as JsonObject) : {},
  }));
}
