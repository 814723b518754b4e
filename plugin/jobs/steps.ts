// The rows of chains and their steps: a chain job's steps, releasing a waiting step to the
// workers, finishing a step with an earlier run's outputs (reuse), the chain's progress, and the
// chains that are not finished (the engine's sweep). One database operation per function; the
// decisions are the chain engine's (plugin/chains/).
import type { Knex } from 'knex';
import type { ArtifactRole, Artifact, Job, JsonObject, PresetRef } from '../core/types.js';
import { jobFromRow, type Row } from '../core/rows.js';
import { newId } from '../core/ids.js';
import { nowIso } from '../core/time.js';
import { insertArtifacts, publishedArtifactsOfJobs } from '../artifacts/store.js';
import { clientName } from '../db/connect.js';
import { insertEvent, updateWithEventPg } from './events-store.js';
import { transition } from './transition.js';
import { insertJobsIn, type NewJob } from './store.js';
import { JOBS, WAITING_FROM, WAITING_RUN_AFTER, type Db } from './table.js';

/** A chain's steps, in the order they were created (the definition's order). */
export async function stepsOf(db: Db, chainId: string): Promise<Job[]> {
  const rows = (await db(JOBS).where({ parent_job_id: chainId }).orderBy('id')) as Row[];
  return rows.map(jobFromRow);
}

/** A chain job and its steps in one query (null when there is no such chain). */
export async function chainWithSteps(db: Db, chainId: string): Promise<{ chain: Job; steps: Job[] } | null> {
  const rows = ((await db(JOBS).where({ id: chainId }).orWhere({ parent_job_id: chainId }).orderBy('id')) as Row[]).map(jobFromRow);
  const chain = rows.find((j) => j.id === chainId);
  return chain ? { chain, steps: rows.filter((j) => j.parentJobId === chainId) } : null;
}

/** Whether a QUEUED step still waits for its upstream steps (no worker may claim it yet). */
export function isWaiting(job: Job): boolean {
  return job.status === 'QUEUED' && job.runAfter >= WAITING_FROM;
}

/** What a step's row records once its inputs are known. */
export interface StepRun {
  preset: PresetRef | null;
  params: JsonObject;
  inputIds: string[];
  runKey: string;
  outputRole: ArtifactRole;
}

function runColumns(run: StepRun): Record<string, unknown> {
  return {
    preset_name: run.preset?.name ?? null,
    preset_version: run.preset?.version ?? null,
    preset_hash: run.preset?.hash ?? null,
    params: JSON.stringify(run.params),
    input_ids: JSON.stringify(run.inputIds),
    run_key: run.runKey,
    output_role: run.outputRole,
  };
}

/** Releases a waiting step to the workers (run_after = now); null when it no longer waits. */
export async function releaseStep(knex: Knex, step: Job, run: StepRun, actor: string): Promise<Job | null> {
  const now = nowIso();
  const guarded = (db: Db) => db(JOBS).where({ id: step.id, status: 'QUEUED' }).where('run_after', '>=', WAITING_FROM);
  const columns = { ...runColumns(run), run_after: now, stage: null, updated_at: now };
  const event = { actor, type: 'released', from: 'QUEUED', to: 'QUEUED', details: { inputs: run.inputIds, runKey: run.runKey } } as const;
  // The row as written (no read back: one round trip less per step).
  const released: Job = { ...step, preset: run.preset, params: run.params, inputIds: run.inputIds, runKey: run.runKey, outputRole: run.outputRole, runAfter: now, stage: null, updatedAt: now };
  if (clientName(knex) === 'pg') {
    // The guarded update and its audit event in one statement (one round trip, not four).
    return (await updateWithEventPg(knex, guarded(knex).update(columns, ['id']), event)) ? released : null;
  }
  return knex.transaction(async (trx) => {
    const updated = await guarded(trx).update(columns);
    if (updated !== 1) return null;
    await insertEvent(trx, { jobId: step.id, ...event });
    return released;
  });
}

/**
 * The earliest successful run with this key whose published outputs are all still there (not
 * `except`, the step asking): its outputs can stand in for a new run.
 */
export async function findReusableRun(db: Db, runKey: string, except: string): Promise<{ job: Job; outputs: Artifact[] } | null> {
  const rows = (await db(JOBS).where({ run_key: runKey, status: 'SUCCEEDED' }).whereNot('id', except).orderBy('finished_at').limit(5)) as Row[];
  for (const row of rows) {
    const job = jobFromRow(row);
    const outputs = await publishedArtifactsOfJobs(db, [job.id]);
    if (outputs.length) return { job, outputs };
  }
  return null;
}

/**
 * Finishes a waiting step with an earlier run's outputs, in one transaction: QUEUED -> SUCCEEDED
 * (recorded as reused, with the original job), and a published artifact row per output of that
 * run pointing at the same file (no new file), linked to this step and its chain.
 */
export async function completeReused(
  knex: Knex | Knex.Transaction,
  step: Job,
  run: StepRun,
  source: { job: Job; outputs: Artifact[] },
  actor: string,
): Promise<{ job: Job; outputs: Artifact[] } | null> {
  const original = source.job.reusedFromJobId ?? source.job.id;
  const now = nowIso();
  const outputs: Artifact[] = source.outputs.map((a) => ({
    ...a,
    id: newId(),
    jobId: step.id,
    role: a.role === 'preview' ? 'preview' : run.outputRole,
    metadata: { ...a.metadata, reusedFrom: a.id, reusedFromJob: original, ...(step.parentJobId ? { chainJobId: step.parentJobId, stepId: step.stepId } : {}) },
    parentIds: run.inputIds,
    published: true,
    createdBy: step.submittedBy,
    createdAt: now,
  }));
  const result = await transition(knex, {
    id: step.id,
    from: ['QUEUED'],
    to: 'SUCCEEDED',
    actor,
    type: 'reused',
    waiting: true,
    patch: { ...runColumns(run), reused_from_job_id: original, progress: 1, stage: 'reused', started_at: now, run_after: now },
    details: { reusedFrom: original, runKey: run.runKey, outputs: outputs.map((a) => a.id) },
    alongside: async (trx) => insertArtifacts(trx, outputs, 0),
  });
  return result ? { job: result.job, outputs } : null;
}

/**
 * A new job that is at once an earlier identical run's result (a workbench step run again with
 * the same recipe): written and finished with that run's outputs in one transaction, so no
 * worker ever sees it. Null when the source went away meanwhile (then the caller submits).
 */
export async function insertReusedJob(
  knex: Knex,
  job: NewJob,
  run: StepRun,
  source: { job: Job; outputs: Artifact[] },
  actor: string,
): Promise<{ job: Job; outputs: Artifact[] } | null> {
  return knex.transaction(async (trx) => {
    const [written] = await insertJobsIn(trx, [{ ...job, waiting: true }]);
    return completeReused(trx, written as Job, run, source, actor);
  });
}

/** Ends a waiting or queued step without running it (the chain was cancelled or failed upstream). */
export async function endUnstartedStep(knex: Knex, step: Job, actor: string, code: 'CANCELLED' | 'UPSTREAM_FAILED', message: string, details: JsonObject): Promise<Job | null> {
  const result = await transition(knex, {
    id: step.id,
    from: ['QUEUED'],
    to: 'CANCELLED',
    actor,
    type: 'cancelled',
    patch: { error_code: code, error_message: message, stage: code === 'UPSTREAM_FAILED' ? 'upstream failed' : 'cancelled' },
    details,
  });
  return result?.job ?? null;
}

/** Fails a waiting step whose inputs turned out invalid when it was due (it never ran). */
export async function failWaitingStep(knex: Knex, step: Job, actor: string, message: string): Promise<Job | null> {
  const result = await transition(knex, {
    id: step.id,
    from: ['QUEUED'],
    to: 'FAILED',
    actor,
    type: 'failed',
    waiting: true,
    patch: { error_code: 'VALIDATION_FAILED', error_message: message, stage: 'failed' },
    details: { code: 'VALIDATION_FAILED', message },
  });
  return result?.job ?? null;
}

/** Puts a failed or cancelled step back to waiting (a chain retry). */
export async function resetStep(knex: Knex, step: Job, actor: string): Promise<Job | null> {
  const result = await transition(knex, {
    id: step.id,
    from: ['FAILED', 'CANCELLED'],
    to: 'QUEUED',
    actor,
    type: 'retried',
    patch: {
      attempts: 0,
      progress: 0,
      stage: 'waiting for upstream steps',
      run_after: WAITING_RUN_AFTER,
      error_code: null,
      error_message: null,
      cancel_requested_at: null,
      finished_at: null,
      checkpoint: '{}',
    },
    details: { previousError: step.errorCode, chain: step.parentJobId },
  });
  return result?.job ?? null;
}

/** Marks a chain (QUEUED or RUNNING) as asked to cancel; false when it already was or has ended. */
export async function requestChainCancel(db: Db, id: string): Promise<boolean> {
  const updated = await db(JOBS).where({ id }).whereIn('status', ['QUEUED', 'RUNNING']).whereNull('cancel_requested_at').update({ cancel_requested_at: nowIso(), updated_at: nowIso() });
  return updated === 1;
}

/** A running chain's progress (its steps' weighted progress); false when it is not running. */
export async function setChainProgress(db: Db, id: string, progress: number, stage: string | null): Promise<boolean> {
  const updated = await db(JOBS).where({ id, status: 'RUNNING' }).update({ progress, stage: stage?.slice(0, 500) ?? null, updated_at: nowIso() });
  return updated === 1;
}

/** Chains that have not ended, oldest first (the engine's sweep advances them). */
export async function unfinishedChains(db: Db, limit = 200): Promise<string[]> {
  const rows = (await db(JOBS).select('id').where({ workflow: 'chain' }).whereIn('status', ['QUEUED', 'RUNNING']).orderBy('id').limit(limit)) as Array<{ id: string }>;
  return rows.map((r) => r.id);
}

/** Published artifacts of these jobs, oldest first per job. */
export async function publishedOutputsOf(db: Db, jobIds: string[]): Promise<Map<string, Artifact[]>> {
  const byJob = new Map<string, Artifact[]>(jobIds.map((id) => [id, []]));
  for (const a of await publishedArtifactsOfJobs(db, jobIds)) byJob.get(a.jobId as string)?.push(a);
  return byJob;
}
