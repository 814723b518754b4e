// The job table's rows: submitting, reading and counting jobs, one database operation per
// function. Running a job under a lease is in claim.ts; every status change goes through
// transition.ts.
import type { Knex } from 'knex';
import type { ArtifactRole, Job, JobSource, JobStatus, JobWorkflow, JsonObject, PresetRef, WorkflowKind } from '../core/types.js';
import { TERMINAL_STATUSES } from '../core/types.js';
import { jobFromRow, jsonList, type Row } from '../core/rows.js';
import { newId } from '../core/ids.js';
import { nowIso } from '../core/time.js';
import { insertEvents } from './events-store.js';
import { JOBS, WAITING_RUN_AFTER, type Db } from './table.js';

export type { Db } from './table.js';
export { WAITING_RUN_AFTER } from './table.js';


export interface NewJob {
  /** Chosen by the caller when other rows name it before it exists (a chain's steps); else new. */
  id?: string;
  workflow: JobWorkflow;
  preset: PresetRef | null;
  params: JsonObject;
  inputIds: string[];
  priority: number;
  maxAttempts: number;
  submittedBy: string;
  idempotencyKey: string | null;
  /** sha256 of the canonical submitted body, kept with the key (see jobs/fingerprint.ts). */
  idempotencyFingerprint?: string | null;
  source: JobSource;
  sourceRef: string | null;
  /** A chain step: its chain job and step id (or a workbench draft's step id). */
  parentJobId?: string | null;
  stepId?: string | null;
  /** The worker lane (null: the kind's production lane; `workbench`: the workbench lane). */
  lane?: string | null;
  runKey?: string | null;
  outputRole?: ArtifactRole | null;
  /** A chain step that waits for its upstream steps (see WAITING_RUN_AFTER). */
  waiting?: boolean;
  /** Executor-owned state to start from (a chain job keeps its definition here). */
  checkpoint?: JsonObject;
  stage?: string | null;
}

export async function insertJob(knex: Knex, job: NewJob): Promise<Job> {
  let inserted: Job | null = null;
  await knex.transaction(async (trx) => {
    inserted = await insertJobIn(trx, job);
  });
  return inserted as unknown as Job;
}

/** insertJob inside the caller's transaction. */
export async function insertJobIn(trx: Knex.Transaction, job: NewJob): Promise<Job> {
  return (await insertJobsIn(trx, [job]))[0] as Job;
}

/**
 * Several jobs and their 'submitted' events in the caller's transaction, two statements in all
 * (a chain and its steps go in one; a step may name a parent earlier in the list).
 */
export async function insertJobsIn(trx: Knex.Transaction, jobs: NewJob[]): Promise<Job[]> {
  if (jobs.length === 0) return [];
  const rows = jobs.map(jobRowOf);
  await trx(JOBS).insert(rows);
  await insertEvents(
    trx,
    jobs.map((job, i) => ({
      jobId: rows[i]!.id,
      actor: job.submittedBy,
      type: 'submitted',
      from: null,
      to: 'QUEUED' as const,
      details: {
        workflow: job.workflow,
        preset: job.preset?.name ?? null,
        inputs: job.inputIds,
        ...(job.parentJobId ? { chain: job.parentJobId, step: job.stepId ?? null } : {}),
      },
    })),
  );
  return rows.map(jobFromRow);
}

function jobRowOf(job: NewJob) {
  const now = nowIso();
  const row = {
    id: job.id ?? newId(),
    workflow: job.workflow,
    preset_name: job.preset?.name ?? null,
    preset_version: job.preset?.version ?? null,
    preset_hash: job.preset?.hash ?? null,
    params: JSON.stringify(job.params),
    input_ids: JSON.stringify(job.inputIds),
    status: 'QUEUED',
    progress: 0,
    stage: job.stage ?? null,
    priority: job.priority,
    attempts: 0,
    max_attempts: job.maxAttempts,
    run_after: job.waiting ? WAITING_RUN_AFTER : now,
    submitted_by: job.submittedBy,
    idempotency_key: job.idempotencyKey,
    idempotency_fingerprint: job.idempotencyFingerprint ?? null,
    source: job.source,
    source_ref: job.sourceRef,
    checkpoint: JSON.stringify(job.checkpoint ?? {}),
    parent_job_id: job.parentJobId ?? null,
    step_id: job.stepId ?? null,
    lane: job.lane ?? null,
    run_key: job.runKey ?? null,
    output_role: job.outputRole ?? null,
    created_at: now,
    updated_at: now,
  };
  return row;
}

export async function getJob(db: Db, id: string): Promise<Job | null> {
  const row = (await db(JOBS).where({ id }).first()) as Row | undefined;
  return row ? jobFromRow(row) : null;
}

/** The job submitted under this key, with the fingerprint of its body (null for rows from
 * before fingerprints were kept). */
export async function findIdempotentSubmission(db: Db, submittedBy: string, key: string): Promise<{ job: Job; fingerprint: string | null } | null> {
  const row = (await db(JOBS).where({ submitted_by: submittedBy, idempotency_key: key }).first()) as Row | undefined;
  return row ? { job: jobFromRow(row), fingerprint: (row.idempotency_fingerprint as string | null) ?? null } : null;
}

export interface JobFilters {
  status?: JobStatus[];
  workflow?: JobWorkflow[];
  source?: JobSource;
  submittedBy?: string;
  /** The steps of this chain job. */
  parentJobId?: string;
}

/** Newest first; `before` is the id of the last job of the previous page (ids sort by time). */
export async function listJobs(db: Db, filters: JobFilters, page: { before?: string; limit: number }): Promise<Job[]> {
  const query = db(JOBS).select('*');
  if (filters.status?.length) query.whereIn('status', filters.status);
  if (filters.workflow?.length) query.whereIn('workflow', filters.workflow);
  if (filters.source) query.where('source', filters.source);
  if (filters.submittedBy) query.where('submitted_by', filters.submittedBy);
  if (filters.parentJobId) query.where('parent_job_id', filters.parentJobId);
  if (page.before) query.where('id', '<', page.before);
  const rows = (await query.orderBy('id', 'desc').limit(page.limit)) as Row[];
  return rows.map(jobFromRow);
}

export async function countActiveJobs(db: Db, submittedBy: string): Promise<number> {
  const row = (await db(JOBS)
    .where({ submitted_by: submittedBy })
    .whereIn('status', ['QUEUED', 'RUNNING'])
    .whereNull('parent_job_id') // a chain counts once, not once per step
    .count({ n: '*' })
    .first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/** Submissions since `since`, and the oldest of them (to compute Retry-After). */
export async function submissionsSince(db: Db, submittedBy: string, since: string): Promise<{ count: number; oldest: string | null }> {
  const row = (await db(JOBS)
    .where({ submitted_by: submittedBy })
    .where('created_at', '>=', since)
    .whereNull('parent_job_id')
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

export async function markCancelRequested(db: Db, id: string): Promise<boolean> {
  const updated = await db(JOBS)
    .where({ id, status: 'RUNNING' })
    .whereNull('cancel_requested_at')
    .update({ cancel_requested_at: nowIso(), updated_at: nowIso() });
  return updated === 1;
}


/** Running jobs of these kinds (the ComfyUI integration reconciles them at start-up). */
export async function runningJobsOfKinds(db: Db, kinds: readonly WorkflowKind[]): Promise<Job[]> {
  const rows = (await db(JOBS).where('status', 'RUNNING').whereIn('workflow', [...kinds])) as Row[];
  return rows.map(jobFromRow);
}

export async function isJobRunning(db: Db, id: string): Promise<boolean> {
  const job = await getJob(db, id);
  return job?.status === 'RUNNING';
}

/** Jobs changed at or after `since`, oldest change first (other processes' changes, for live events). */
export async function jobsChangedSince(db: Db, since: string, limit: number): Promise<Job[]> {
  const rows = (await db(JOBS).where('updated_at', '>=', since).orderBy('updated_at').limit(limit)) as Row[];
  return rows.map(jobFromRow);
}

/** The newest job made for a host record (a prompt-queue prompt), and when it was made. */
export async function latestJobOfSource(db: Db, source: JobSource, sourceRef: string): Promise<{ id: string; createdAtMs: number } | null> {
  const row = (await db(JOBS)
    .select('id', 'created_at')
    .where({ source, source_ref: sourceRef })
    .orderBy('id', 'desc')
    .first()) as { id: string; created_at: unknown } | undefined;
  return row ? { id: row.id, createdAtMs: new Date(row.created_at as string).getTime() } : null;
}

/** Every artifact id some job takes as input (retention keeps these). */
export async function artifactIdsUsedAsInputs(db: Db): Promise<Set<string>> {
  const rows = (await db(JOBS).select('input_ids').whereNot('input_ids', '[]')) as Array<{ input_ids: unknown }>;
  const ids = new Set<string>();
  for (const row of rows) for (const id of jsonList(row.input_ids)) ids.add(id);
  return ids;
}

/** A subquery of the ids of finished jobs, to filter another table's rows by in one statement. */
export function finishedJobIds(db: Db): Knex.QueryBuilder {
  return db(JOBS).select('id').whereIn('status', [...TERMINAL_STATUSES]);
}

/** Jobs by id (missing ids are absent, in no particular order), for lineage walks and the workbench. */
export async function getJobs(db: Db, ids: string[]): Promise<Job[]> {
  if (ids.length === 0) return [];
  const rows = (await db(JOBS).whereIn('id', [...new Set(ids)])) as Row[];
  return rows.map(jobFromRow);
}

/** Where a job sits in a chain (migration 0004): its chain job, its step id, and the run it reused. */
export interface ChainPlace {
  parentJobId: string | null;
  stepId: string | null;
  reusedFromJobId: string | null;
}

export async function chainPlaces(db: Db, ids: string[]): Promise<Map<string, ChainPlace>> {
  if (ids.length === 0) return new Map();
  const rows = (await db(JOBS).select('id', 'parent_job_id', 'step_id', 'reused_from_job_id').whereIn('id', [...new Set(ids)])) as Row[];
  return placesOf(rows);
}

/** Jobs by id with their places in chains, in one query. */
export async function getJobsWithPlaces(db: Db, ids: string[]): Promise<{ jobs: Job[]; places: Map<string, ChainPlace> }> {
  if (ids.length === 0) return { jobs: [], places: new Map() };
  const rows = (await db(JOBS).whereIn('id', [...new Set(ids)])) as Row[];
  return { jobs: rows.map(jobFromRow), places: placesOf(rows) };
}

function placesOf(rows: Row[]): Map<string, ChainPlace> {
  const places = new Map<string, ChainPlace>();
  for (const row of rows) {
    places.set(String(row.id), {
      parentJobId: (row.parent_job_id as string | null) ?? null,
      stepId: (row.step_id as string | null) ?? null,
      reusedFromJobId: (row.reused_from_job_id as string | null) ?? null,
    });
  }
  return places;
}

/** The step jobs of these chain jobs (parent_job_id), with the chain each belongs to. */
export async function stepsOfChains(db: Db, chainIds: string[]): Promise<Array<{ job: Job; chainId: string }>> {
  if (chainIds.length === 0) return [];
  const rows = (await db(JOBS).whereIn('parent_job_id', [...new Set(chainIds)])) as Row[];
  return rows.map((row) => ({ job: jobFromRow(row), chainId: String(row.parent_job_id) }));
}
