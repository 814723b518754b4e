// What the API and the host can do with jobs: submit, cancel, retry, read. Requests never run
// heavy work: they validate, write one row and one audit event, and return.
import type { Knex } from 'knex';
import type { Artifact, Job, JsonObject, PresetRef, User, WorkflowKind } from '../core/types.js';
import { ValidationError, type FieldIssue } from '../core/errors.js';
import * as store from './store.js';
import { transition } from './transition.js';
import { insertEvent } from './events-store.js';
import { getArtifacts, artifactsOfJob } from '../artifacts/store.js';
import type { KindRegistry } from '../kinds/registry.js';
import type { LabEventBus } from '../events/bus.js';
import type { MediaLabOptions } from '../options.js';
import { zodIssues } from '../../contract/zod-issues.js';
import { submitJobSchema, type SubmitJobRequest } from '../../contract/requests.js';
import { isoAfter } from '../core/time.js';
import { requestFingerprint } from './fingerprint.js';
import { runKeyOf } from './run-key.js';
import { findReusableRun, insertReusedJob } from './steps.js';
import type { z } from 'zod';

export type SubmitJobBody = SubmitJobRequest;
/** A submit body as the server reads it (defaults applied). */
export type ParsedSubmission = z.output<typeof submitJobSchema>;

export class QuotaError extends Error {
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

export class TransitionConflict extends Error {
  constructor(readonly job: Job, action: string) {
    super(`Cannot ${action} a job that is ${job.status}.`);
  }
}

export interface JobDetail extends Job {
  inputs: Artifact[];
  outputs: Artifact[];
}

export interface SubmitOptions {
  idempotencyKey?: string | null;
  source?: 'lab' | 'prompt-queue';
  sourceRef?: string | null;
  /** A lane other than the kind's own (the workbench's); recorded on the job (and a chain's steps). */
  lane?: string | null;
  /** The draft or chain step the job runs. */
  stepId?: string | null;
  /**
   * Whether a run with the same key that already succeeded stands in for this one (its outputs,
   * recorded as reused). A chain reuses unless false (reproduce: the point is to make the bytes
   * again); a single job only when true (a workbench step run again with the same recipe).
   */
  reuse?: boolean;
}

/** A job of one kind, resolved and checked: what its row records. */
export interface PreparedRun {
  preset: PresetRef | null;
  params: JsonObject;
  inputIds: string[];
  inputs: Artifact[];
  runKey: string;
}

/**
 * Jobs made of jobs (the chain engine, plugin/chains/): the job service hands it every job whose
 * workflow is `chain`, and the cancel, retry and outputs of a chain and of its steps.
 */
export interface CompositeJobs {
  submit(user: User, request: ParsedSubmission, options: SubmitOptions & { fingerprint: string | null }): Promise<Job>;
  cancel(user: User, chain: Job): Promise<Job>;
  retry(user: User, chain: Job): Promise<Job>;
  /** A chain's outputs: the published outputs of its last steps. */
  outputs(chain: Job): Promise<Artifact[]>;
}

export class JobService {
  constructor(
    private readonly knex: Knex,
    private readonly kinds: KindRegistry,
    private readonly bus: LabEventBus,
    private readonly options: MediaLabOptions,
  ) {}

  private chains: CompositeJobs | null = null;

  /** Installs the chain engine (createMediaLab does). */
  useChains(chains: CompositeJobs): void {
    this.chains = chains;
  }

  async submit(user: User, body: unknown, submit: SubmitOptions = {}): Promise<{ job: Job; replayed: boolean }> {
    const parsed = submitJobSchema.safeParse(body);
    if (!parsed.success) throw new ValidationError(zodIssues(parsed.error, [], body ?? {}));
    const request = parsed.data;
    const key = submit.idempotencyKey ?? null;
    // Of the request as the server reads it (defaults applied, unknown fields dropped).
    const fingerprint = key ? requestFingerprint(request) : null;
    if (key) {
      const replay = await this.replayOf(user, key, fingerprint);
      if (replay) return replay;
    }
    await this.checkQuotas(user);
    try {
      if (request.workflow === 'chain') {
        if (!this.chains) throw new ValidationError([{ field: 'workflow', message: 'chains are not installed on this server' }]);
        const job = await this.chains.submit(user, request, { ...submit, fingerprint });
        return { job, replayed: false };
      }
      const { preset, params, inputIds, runKey } = await this.prepare(request.workflow, request.preset ?? null, request.params as JsonObject, request.inputs);
      const row: store.NewJob = {
        workflow: request.workflow,
        preset,
        params,
        inputIds,
        runKey,
        lane: submit.lane ?? null,
        priority: request.priority,
        maxAttempts: request.maxAttempts ?? this.options.retry.maxAttempts,
        submittedBy: user.id,
        idempotencyKey: key,
        idempotencyFingerprint: fingerprint,
        source: submit.source ?? 'lab',
        sourceRef: submit.sourceRef ?? null,
        stepId: submit.stepId ?? null,
      };
      if (submit.reuse === true) {
        const reused = await this.reuseEarlierRun(user, row, runKey);
        if (reused) return { job: reused, replayed: false };
      }
      const job = await store.insertJob(this.knex, row);
      this.bus.jobChanged(job);
      return { job, replayed: false };
    } catch (error) {
      // Two identical submits raced: the unique index picked one; return it.
      if (key) {
        const replay = await this.replayOf(user, key, fingerprint);
        if (replay) return replay;
      }
      throw error;
    }
  }

  /**
   * Resolves and checks one job of a kind as submit does (preset version, params with defaults
   * and random seeds drawn, input artifacts), without writing anything. Field names in the
   * issues are as in a submit body (`params.scale`, `inputs[0]`, `preset.name`).
   */
  async prepare(
    workflow: WorkflowKind,
    presetRequest: string | { name: string; version?: number } | null,
    rawParams: JsonObject,
    requestInputs: string[],
    /** Artifacts the caller has just read (a chain step's upstream outputs): not read again. */
    known: Artifact[] = [],
  ): Promise<PreparedRun> {
    const definition = this.kinds.get(workflow);
    const presetRef = typeof presetRequest === 'string' ? { name: presetRequest } : presetRequest ?? null;
    let params: JsonObject;
    let inputIds = requestInputs;
    let preset: PresetRef | null = presetRef ? { name: presetRef.name, version: presetRef.version ?? null, hash: null } : null;
    if (definition.resolveSubmission) {
      const resolved = await definition.resolveSubmission({ preset: presetRef, params: rawParams, inputIds });
      params = resolved.params;
      preset = resolved.preset;
      inputIds = [...new Set([...inputIds, ...resolved.inputIds])];
    } else {
      const result = definition.paramsSchema.safeParse(rawParams);
      if (!result.success) throw new ValidationError(zodIssues(result.error, ['params'], rawParams ?? {}));
      params = result.data as JsonObject;
    }
    const inputs = await this.checkInputs(workflow, inputIds, known);
    await definition.validate?.(params, inputs);
    const runKey = runKeyOf({ workflow, presetHash: preset?.hash ?? null, params, inputIds, inputs });
    return { preset, params, inputIds, inputs, runKey };
  }

  /** A job finished at once with the outputs of an earlier successful run with the same key (null: none). */
  private async reuseEarlierRun(user: User, row: store.NewJob, runKey: string): Promise<Job | null> {
    const source = await findReusableRun(this.knex, runKey, '');
    if (!source) return null;
    const run = { preset: row.preset ?? null, params: row.params, inputIds: row.inputIds, runKey, outputRole: 'output' as const };
    const reused = await insertReusedJob(this.knex, row, run, source, user.id);
    if (!reused) return null;
    this.bus.jobChanged(reused.job);
    return reused.job;
  }

  /** The job already submitted under this key, if its body was the same; a different body is
   * a 422 IDEMPOTENCY_KEY_REUSED. (Jobs from before fingerprints were kept replay as before.) */
  private async replayOf(user: User, key: string, fingerprint: string | null): Promise<{ job: Job; replayed: true } | null> {
    const existing = await store.findIdempotentSubmission(this.knex, user.id, key);
    if (!existing) return null;
    if (existing.fingerprint && fingerprint && existing.fingerprint !== fingerprint) {
      throw new ValidationError(
        [{ field: 'Idempotency-Key', message: `"${key}" was already used for a different request (job ${existing.job.id}); send a new key for a new request, or the same body to get that job.` }],
        { code: 'IDEMPOTENCY_KEY_REUSED' },
      );
    }
    return { job: existing.job, replayed: true };
  }

  private async checkQuotas(user: User): Promise<void> {
    const { maxActiveJobsPerUser, maxSubmissionsPerDay } = this.options.quotas;
    const active = await store.countActiveJobs(this.knex, user.id);
    if (active >= maxActiveJobsPerUser) {
      throw new QuotaError(
        `You already have ${active} active jobs (the limit is ${maxActiveJobsPerUser}). Wait for one to finish or cancel one, then submit again.`,
        30,
      );
    }
    const dayMs = 24 * 60 * 60 * 1000;
    const { count, oldest } = await store.submissionsSince(this.knex, user.id, isoAfter(-dayMs));
    if (count >= maxSubmissionsPerDay) {
      const retryAfter = oldest ? Math.max(1, Math.ceil((new Date(oldest).getTime() + dayMs - Date.now()) / 1000)) : 3600;
      throw new QuotaError(
        `You reached the limit of ${maxSubmissionsPerDay} submissions in 24 hours. The next slot frees up in ${Math.ceil(retryAfter / 60)} minutes.`,
        retryAfter,
      );
    }
  }

  private async checkInputs(workflow: WorkflowKind, ids: string[], known: Artifact[] = []): Promise<Artifact[]> {
    const rule = this.kinds.get(workflow).inputs;
    const issues: FieldIssue[] = [];
    if (ids.length < rule.min) {
      issues.push({ field: 'inputs', message: `${workflow} needs at least ${rule.min} input artifact${rule.min === 1 ? '' : 's'} (${rule.kinds.join(' or ')}); upload it first with POST /uploads.` });
    }
    if (ids.length > rule.max) issues.push({ field: 'inputs', message: `${workflow} takes at most ${rule.max} input artifacts.` });
    const found = await this.artifactsOf(ids, known);
    ids.forEach((id, index) => {
      const artifact = found.find((a) => a.id === id);
      if (!artifact) issues.push({ field: `inputs[${index}]`, message: `Artifact ${id} does not exist.` });
      else if (!rule.kinds.includes(artifact.kind)) {
        issues.push({ field: `inputs[${index}]`, message: `Artifact ${id} is ${artifact.kind}; ${workflow} takes ${rule.kinds.join(' or ')}.` });
      } else if (!artifact.published) issues.push({ field: `inputs[${index}]`, message: `Artifact ${id} is not published yet.` });
    });
    if (issues.length) throw new ValidationError(issues);
    return found;
  }

  /** Artifacts by id in the order asked (as getArtifacts), reading only those not in `known`. */
  private async artifactsOf(ids: string[], known: Artifact[]): Promise<Artifact[]> {
    if (known.length === 0) return getArtifacts(this.knex, ids);
    const byId = new Map(known.map((a) => [a.id, a]));
    const missing = [...new Set(ids.filter((id) => !byId.has(id)))];
    for (const artifact of await getArtifacts(this.knex, missing)) byId.set(artifact.id, artifact);
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async get(id: string): Promise<Job | null> {
    return store.getJob(this.knex, id);
  }

  async detail(id: string): Promise<JobDetail | null> {
    const job = await store.getJob(this.knex, id);
    if (!job) return null;
    const [inputs, produced] = await Promise.all([
      getArtifacts(this.knex, job.inputIds),
      job.workflow === 'chain' && this.chains ? this.chains.outputs(job) : artifactsOfJob(this.knex, id),
    ]);
    return { ...job, inputs, outputs: produced.filter((a) => a.published) };
  }

  async cancel(user: User, id: string): Promise<Job> {
    const job = await store.getJob(this.knex, id);
    if (!job) throw new NotFound(id);
    if (this.chains && (job.workflow === 'chain' || job.parentJobId)) {
      // A step is cancelled with its chain: a chain never runs with a hole in it.
      const chain = job.parentJobId ? await store.getJob(this.knex, job.parentJobId) : job;
      if (!chain) throw new NotFound(job.parentJobId as string);
      const cancelled = await this.chains.cancel(user, chain);
      return job.parentJobId ? ((await store.getJob(this.knex, id)) as Job) : cancelled;
    }
    const queued = await transition(this.knex, {
      id,
      from: ['QUEUED'],
      to: 'CANCELLED',
      actor: user.id,
      type: 'cancelled',
      patch: { error_code: 'CANCELLED', error_message: 'Cancelled before it started.', stage: 'cancelled' },
    });
    if (queued) {
      this.bus.jobChanged(queued.job);
      return queued.job;
    }
    const current = (await store.getJob(this.knex, id)) as Job;
    if (current.status !== 'RUNNING') throw new TransitionConflict(current, 'cancel');
    if (await store.markCancelRequested(this.knex, id)) {
      await insertEvent(this.knex, { jobId: id, actor: user.id, type: 'cancel-requested', from: 'RUNNING', to: 'RUNNING' });
    }
    this.bus.emit('job.cancel-requested', id);
    const updated = (await store.getJob(this.knex, id)) as Job;
    this.bus.emit('job.updated', updated);
    return updated;
  }

  async retry(user: User, id: string): Promise<Job> {
    const job = await store.getJob(this.knex, id);
    if (!job) throw new NotFound(id);
    if (this.chains && (job.workflow === 'chain' || job.parentJobId)) {
      // A step is retried by retrying its chain, which resumes from the steps that did not succeed.
      const chain = job.parentJobId ? await store.getJob(this.knex, job.parentJobId) : job;
      if (!chain) throw new NotFound(job.parentJobId as string);
      const retried = await this.chains.retry(user, chain);
      return job.parentJobId ? ((await store.getJob(this.knex, id)) as Job) : retried;
    }
    const result = await transition(this.knex, {
      id,
      from: ['FAILED', 'CANCELLED'],
      to: 'QUEUED',
      actor: user.id,
      type: 'retried',
      patch: {
        attempts: 0,
        progress: 0,
        stage: null,
        run_after: isoAfter(0),
        error_code: null,
        error_message: null,
        cancel_requested_at: null,
        finished_at: null,
        checkpoint: '{}',
      },
      details: { previousError: job.errorCode },
    });
    if (!result) throw new TransitionConflict((await store.getJob(this.knex, id)) as Job, 'retry');
    this.bus.jobChanged(result.job);
    return result.job;
  }
}

export class NotFound extends Error {
  /** `message` replaces the default `No <what> with id <id>.` */
  constructor(readonly id: string, what = 'job', message?: string) {
    super(message ?? `No ${what} with id ${id}.`);
  }
}
