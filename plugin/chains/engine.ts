// The chain engine: a chain is a job whose children are jobs, one per step. Submitting writes the
// chain job and every step job in one transaction (steps wait: QUEUED but never due); `advance`
// then releases each step whose upstream steps succeeded (or finishes it at once with an earlier
// identical run's outputs), and settles the chain when its steps have ended. The chain job takes
// no lane slot: workers run only the steps, in their kinds' lanes (or the lane given).
//
// `advance(chainId)` is idempotent and every write in it is guarded, so any process may call it
// any number of times: the process whose worker settled a step (its event bus), every process
// that sees the change in the database (the change watcher relays it), and a periodic sweep of
// unfinished chains, so a worker killed at any point loses nothing.
//
//   const engine = new ChainEngine({ knex, bus, jobs, kinds, presets, chains, log });
//   jobs.useChains(engine); engine.start();
//   await engine.run(user, { preset: { name: 'turnaround' }, params: { photo: artifactId } });
//   await engine.run(user, { definition, params }, { lane: 'workbench' });   // a draft, run once
//   await engine.run(user, { preset: { name: 'turnaround', version: 2 }, params }, { reuse: false });  // every step again
//   await engine.advance(chainId); await engine.steps(chainId); engine.stop();
import type { Knex } from 'knex';
import { chainDefinitionSchema, isChainRef, refSource, STEP_WEIGHT, type ChainDefinition, type ChainRef, type ChainStep } from '../../contract/chains.js';
import { MEDIA_KINDS } from '../../contract/media.js';
import type { ErrorCode } from '../../contract/errors.js';
import { ValidationError, type FieldIssue } from '../core/errors.js';
import { zodIssues } from '../../contract/zod-issues.js';
import { isTerminal, isWorkflowKind, type Artifact, type Job, type JsonObject, type JsonValue, type PresetRef, type User } from '../core/types.js';
import { nowIso } from '../core/time.js';
import type { Logger } from '../core/logger.js';
import { getArtifacts } from '../artifacts/store.js';
import type { LabEventBus, JobProgressEvent } from '../events/bus.js';
import { insertEvent } from '../jobs/events-store.js';
import { getJob, insertJobsIn, markCancelRequested } from '../jobs/store.js';
import { newId } from '../core/ids.js';
import { transition } from '../jobs/transition.js';
import { TransitionConflict, type CompositeJobs, type JobService, type ParsedSubmission, type SubmitOptions } from '../jobs/service.js';
import {
  chainWithSteps,
  completeReused,
  endUnstartedStep,
  failWaitingStep,
  findReusableRun,
  isWaiting,
  publishedOutputsOf,
  releaseStep,
  requestChainCancel,
  resetStep,
  setChainProgress,
  stepsOf,
  unfinishedChains,
  type StepRun,
} from '../jobs/steps.js';
import type { KindRegistry } from '../kinds/registry.js';
import type { PresetRegistry } from '../pipelines/comfy/preset-registry.js';
import type { ChainRegistry } from './registry.js';
import { chainOutputsOf, checkChain, stepsUpTo, upstreamOf } from './validate.js';

const ACTOR = 'chains';

/** What a chain job keeps in its checkpoint: the definition it runs and its inputs' values. */
export interface ChainState {
  definition: ChainDefinition;
  values: Record<string, JsonValue>;
  /** The chain preset it came from (null: a definition given inline, e.g. a workbench draft). */
  preset: PresetRef | null;
  /** false: no step is finished with an earlier identical run's outputs (reproduce runs them all). */
  reuse?: false;
}

/** engine.run's request: a chain preset or an inline definition, and the chain inputs' values. */
export interface RunChainRequest {
  /** A chain preset by name (its latest version) or name and version. */
  preset?: string | { name: string; version?: number } | null;
  /** A definition to run as is (the workbench's drafts); `preset` wins when both are given. */
  definition?: unknown;
  /** Chain input values by name (media: artifact ids). */
  params?: Record<string, unknown>;
  /** Artifact ids for the media inputs not named in params, in the order they are declared. */
  inputs?: string[];
  priority?: number;
  maxAttempts?: number;
  /** Run only these steps and what they need upstream ("run to here"). */
  steps?: string[];
}

export interface ChainEngineDeps {
  knex: Knex;
  bus: LabEventBus;
  jobs: JobService;
  kinds: KindRegistry;
  presets: PresetRegistry | null;
  chains: ChainRegistry;
  log: Logger;
  /** Default attempts of a step. */
  maxAttempts: number;
  /** How often unfinished chains are advanced whatever the events said (ms). */
  sweepMs?: number;
}

function stateOf(chain: Job): ChainState {
  const state = chain.checkpoint.chain as unknown as ChainState | undefined;
  if (!state?.definition) throw new Error(`job ${chain.id} is not a chain job`);
  return state;
}

const isMedia = (type: string) => (MEDIA_KINDS as readonly string[]).includes(type);

export class ChainEngine implements CompositeJobs {
  private readonly advancing = new Map<string, { again: boolean; done: Promise<void> }>();
  /** Step job id -> chain job id, for progress events (which carry only the step's id). */
  private readonly chainOfStep = new Map<string, string>();
  private readonly progressTimers = new Map<string, NodeJS.Timeout>();
  private sweepTimer: NodeJS.Timeout | null = null;
  /** Set while this engine announces its own changes (they need no second look). */
  private announcing = false;
  private readonly onUpdated = (job: Job) => {
    if (!job.parentJobId || this.announcing) return;
    this.chainOfStep.set(job.id, job.parentJobId);
    if (isTerminal(job.status)) void this.advance(job.parentJobId).catch((error: unknown) => this.warn(job.parentJobId as string, error));
    else this.scheduleProgress(job.parentJobId);
  };
  private readonly onProgress = (event: JobProgressEvent) => {
    const chainId = this.chainOfStep.get(event.id);
    if (chainId) this.scheduleProgress(chainId);
  };

  constructor(private readonly deps: ChainEngineDeps) {}

  /** Listens for step changes and starts the sweep. */
  start(): void {
    if (this.sweepTimer) return;
    this.deps.bus.on('job.updated', this.onUpdated);
    this.deps.bus.on('job.progress', this.onProgress);
    const sweep = () => void this.sweep().catch((error: unknown) => this.deps.log.warn({ err: error }, `chain sweep failed: ${(error as Error).message}`));
    this.sweepTimer = setInterval(sweep, this.deps.sweepMs ?? 2_000);
    this.sweepTimer.unref();
    sweep();
  }

  async stop(): Promise<void> {
    this.deps.bus.off('job.updated', this.onUpdated);
    this.deps.bus.off('job.progress', this.onProgress);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    for (const timer of this.progressTimers.values()) clearTimeout(timer);
    this.progressTimers.clear();
    await Promise.all([...this.advancing.values()].map((a) => a.done.catch(() => undefined)));
  }

  /** Advances every unfinished chain once (what a killed process left half done). */
  async sweep(): Promise<void> {
    for (const id of await unfinishedChains(this.deps.knex)) await this.advance(id);
  }

  /** A chain's step jobs, in the order they were created. */
  steps(chainId: string): Promise<Job[]> {
    return stepsOf(this.deps.knex, chainId);
  }

  /** POST /jobs with workflow "chain" (through the job service: validation, quotas, idempotency). */
  async submit(user: User, request: ParsedSubmission, options: SubmitOptions & { fingerprint: string | null }): Promise<Job> {
    const issues: FieldIssue[] = [];
    if (!request.preset) issues.push({ field: 'preset.name', message: 'is required: the chain preset to run (GET /chains lists them)' });
    if (issues.length) throw new ValidationError(issues);
    return this.run(user, { preset: request.preset, params: request.params, inputs: request.inputs, priority: request.priority, maxAttempts: request.maxAttempts }, options);
  }

  /**
   * Checks a chain run and writes the chain job with a waiting job per step, then advances it
   * (steps with everything they need are queued, or reused at once). Returns the chain job.
   */
  async run(user: User, request: RunChainRequest, options: SubmitOptions & { fingerprint?: string | null } = {}): Promise<Job> {
    const { knex } = this.deps;
    let raw: unknown = request.definition;
    let preset: PresetRef | null = null;
    if (request.preset) {
      const ref = typeof request.preset === 'string' ? { name: request.preset } : request.preset;
      const found = await this.deps.chains.get(ref.name, ref.version ?? null);
      if (!found) {
        const versions = ref.version ? await this.deps.chains.versions(ref.name) : [];
        throw new ValidationError([
          versions.length
            ? { field: 'preset.version', message: `chain "${ref.name}" has versions ${versions.map((v) => v.version).join(', ')}` }
            : { field: 'preset.name', message: `there is no chain preset "${ref.name}" (GET /chains lists them)` },
        ]);
      }
      raw = found.definition;
      preset = { name: found.name, version: found.version, hash: found.hash };
    } else if (raw === undefined) {
      throw new ValidationError([{ field: 'preset.name', message: 'is required: the chain preset to run' }]);
    }
    const shape = chainDefinitionSchema.safeParse(raw);
    if (!shape.success) throw new ValidationError(zodIssues(shape.error, [], raw ?? {}));
    const { values, inputIds } = await this.valuesOf(shape.data, request.params ?? {}, request.inputs ?? []);
    // With the values: params that come from chain inputs are checked as the steps take them.
    const checked = await checkChain(raw, { kinds: this.deps.kinds, presets: this.deps.presets }, values);
    let order = checked.order;
    if (request.steps?.length) {
      const unknown = request.steps.filter((id) => !checked.upstream.has(id));
      if (unknown.length) throw new ValidationError([{ field: 'steps', message: `no step ${unknown.map((u) => `"${u}"`).join(', ')} in this chain` }]);
      const needed = stepsUpTo(checked, request.steps);
      order = order.filter((id) => needed.has(id));
    }
    const definition = checked.definition;
    const state: ChainState = { definition, values, preset, ...(options.reuse === false ? { reuse: false as const } : {}) };
    const byId = new Map(definition.steps.map((s) => [s.id, s]));
    const priority = request.priority ?? 0;
    const maxAttempts = request.maxAttempts ?? this.deps.maxAttempts;
    const common = {
      priority,
      maxAttempts,
      submittedBy: user.id,
      source: options.source ?? 'lab',
      sourceRef: options.sourceRef ?? null,
      lane: options.lane ?? null,
    } as const;
    const chainId = newId();
    const written = await knex.transaction(async (trx) => {
      const [chain, ...steps] = await insertJobsIn(trx, [
        {
          ...common,
          id: chainId,
          workflow: 'chain',
          preset,
          params: (request.params ?? {}) as JsonObject,
          inputIds,
          idempotencyKey: options.idempotencyKey ?? null,
          idempotencyFingerprint: options.fingerprint ?? null,
          checkpoint: { chain: state as unknown as JsonValue },
          stage: 'starting',
        },
        ...order.map((id) => {
          const step = byId.get(id) as ChainStep;
          return {
            ...common,
            idempotencyKey: null,
            workflow: step.workflow,
            preset: checked.presets.get(id) ?? null,
            params: step.params as JsonObject,
            inputIds: [],
            parentJobId: chainId,
            stepId: id,
            waiting: true,
            stage: 'waiting for upstream steps',
            outputRole: checked.outputSteps.has(id) ? ('output' as const) : ('intermediate' as const),
          };
        }),
      ]);
      return { chain: chain as Job, steps };
    });
    for (const step of written.steps) this.chainOfStep.set(step.id, written.chain.id);
    // job.updated only: nothing here is due yet, so no worker needs waking (job.queued would).
    this.deps.bus.emit('job.updated', written.chain);
    for (const step of written.steps) this.deps.bus.emit('job.updated', step);
    await this.advance(written.chain.id);
    return (await getJob(knex, written.chain.id)) as Job;
  }

  /** The values of a chain's inputs from params (by name) and inputs (media, in order), checked. */
  private async valuesOf(definition: ChainDefinition, params: Record<string, unknown>, inputs: string[]): Promise<{ values: Record<string, JsonValue>; inputIds: string[] }> {
    const issues: FieldIssue[] = [];
    const names = new Set(definition.inputs.map((i) => i.name));
    for (const key of Object.keys(params)) {
      if (!names.has(key)) issues.push({ field: `params.${key}`, message: `is not an input of this chain (inputs: ${[...names].join(', ') || 'none'})` });
    }
    const values: Record<string, JsonValue> = {};
    const media: Array<{ id: string; field: string; type: string; name: string }> = [];
    let next = 0;
    for (const input of definition.inputs) {
      let value = params[input.name];
      let field = `params.${input.name}`;
      if ((value === undefined || value === null) && isMedia(input.type) && next < inputs.length) {
        field = `inputs[${next}]`;
        value = inputs[next++];
      }
      if (value === undefined || value === null || value === '') {
        if (input.default !== undefined) value = input.default;
        else {
          if (input.required !== false) issues.push({ field, message: `is required (${input.type}${isMedia(input.type) ? ': an artifact id' : ''})` });
          continue;
        }
      }
      if (isMedia(input.type)) {
        if (typeof value !== 'string') issues.push({ field, message: `must be the id of ${input.type === 'image' || input.type === 'audio' ? 'an' : 'a'} ${input.type} artifact` });
        else media.push({ id: value, field, type: input.type, name: input.name });
      } else if (input.type === 'text' && typeof value !== 'string') issues.push({ field, message: 'must be a string' });
      else if ((input.type === 'number' || input.type === 'integer') && (typeof value !== 'number' || !Number.isFinite(value))) issues.push({ field, message: 'must be a number' });
      else if (input.type === 'integer' && !Number.isInteger(value)) issues.push({ field, message: 'must be a whole number' });
      values[input.name] = value as JsonValue;
    }
    for (let i = next; i < inputs.length; i++) issues.push({ field: `inputs[${i}]`, message: 'this chain has no further media input to take it' });
    const found = await getArtifacts(this.deps.knex, media.map((m) => m.id));
    for (const m of media) {
      const artifact = found.find((a) => a.id === m.id);
      if (!artifact) issues.push({ field: m.field, message: `Artifact ${m.id} does not exist.` });
      else if (artifact.kind !== m.type) issues.push({ field: m.field, message: `Artifact ${m.id} is ${artifact.kind}; input "${m.name}" takes ${m.type}.` });
      else if (!artifact.published) issues.push({ field: m.field, message: `Artifact ${m.id} is not published yet.` });
    }
    if (issues.length) throw new ValidationError(issues);
    return { values, inputIds: [...new Set(media.map((m) => m.id))] };
  }

  /** Moves a chain on; safe to call at any time from any process. */
  advance(chainId: string): Promise<void> {
    const current = this.advancing.get(chainId);
    if (current) {
      current.again = true;
      return current.done;
    }
    const entry = { again: false, done: Promise.resolve() };
    entry.done = (async () => {
      try {
        do {
          entry.again = false;
          await this.advanceOnce(chainId);
        } while (entry.again);
      } finally {
        this.advancing.delete(chainId);
      }
    })();
    this.advancing.set(chainId, entry);
    return entry.done;
  }

  private async advanceOnce(chainId: string, depth = 0): Promise<void> {
    const { knex, bus } = this.deps;
    const found = await chainWithSteps(knex, chainId);
    if (!found || found.chain.workflow !== 'chain' || isTerminal(found.chain.status)) return;
    const { chain, steps } = found;
    const state = stateOf(chain);
    const byStep = new Map(steps.map((s) => [s.stepId as string, s]));
    for (const s of steps) this.chainOfStep.set(s.id, chainId);
    const set = (job: Job | null) => {
      if (!job) return;
      byStep.set(job.stepId as string, job);
      this.announce(job);
    };

    if (chain.cancelRequestedAt) {
      for (const step of steps) {
        if (step.status === 'QUEUED') set(await endUnstartedStep(knex, step, ACTOR, 'CANCELLED', 'Cancelled with its chain.', { reason: 'chain cancelled' }));
        else if (step.status === 'RUNNING' && !step.cancelRequestedAt && (await markCancelRequested(knex, step.id))) {
          await insertEvent(knex, { jobId: step.id, actor: ACTOR, type: 'cancel-requested', from: 'RUNNING', to: 'RUNNING', details: { reason: 'chain cancelled' } });
          bus.emit('job.cancel-requested', step.id);
        }
      }
      if (![...byStep.values()].some((s) => s.status === 'RUNNING')) {
        await this.settle(chain, 'CANCELLED', { error_code: 'CANCELLED', error_message: 'Cancelled by request.', stage: 'cancelled' }, { steps: this.summary(byStep) });
      }
      return;
    }

    const failed = [...byStep.values()].find((s) => s.status === 'FAILED' || s.status === 'CANCELLED');
    if (failed) {
      const how = failed.status === 'FAILED' ? 'failed' : 'was cancelled';
      for (const step of byStep.values()) {
        if (step.status !== 'QUEUED') continue;
        set(await endUnstartedStep(knex, step, ACTOR, 'UPSTREAM_FAILED', `upstream failed: step "${failed.stepId}" ${how}`, { reason: 'upstream failed', step: failed.stepId, stepJob: failed.id }));
      }
      if (![...byStep.values()].some((s) => s.status === 'RUNNING')) {
        const code = (failed.errorCode ?? 'UPSTREAM_FAILED') as ErrorCode;
        await this.settle(
          chain,
          'FAILED',
          { error_code: code, error_message: `step "${failed.stepId}" ${how}: ${failed.errorMessage ?? code}`, stage: 'failed' },
          { step: failed.stepId, stepJob: failed.id, code, steps: this.summary(byStep) },
        );
      }
      return;
    }

    if (chain.status === 'QUEUED') {
      const started = await transition(knex, { id: chain.id, from: ['QUEUED'], to: 'RUNNING', actor: ACTOR, type: 'started', patch: { started_at: chain.startedAt ?? nowIso(), stage: 'running' } });
      if (started) bus.jobChanged(started.job);
    }

    const order = state.definition.steps.filter((s) => byStep.has(s.id));
    for (let changed = true; changed; ) {
      changed = false;
      for (const step of order) {
        const row = byStep.get(step.id) as Job;
        if (!isWaiting(row)) continue;
        if (!upstreamOf(step).every((up) => byStep.get(up)?.status === 'SUCCEEDED')) continue;
        const next = await this.release(chain, state, step, row, byStep);
        if (!next) continue;
        set(next);
        if (next.status !== 'QUEUED') changed = true;
      }
    }

    const all = [...byStep.values()];
    if (all.some((s) => s.status === 'FAILED') && depth === 0) return this.advanceOnce(chainId, 1);
    if (all.every((s) => s.status === 'SUCCEEDED')) {
      await this.settle(chain, 'SUCCEEDED', { progress: 1, stage: null }, { steps: this.summary(byStep), reused: all.filter((s) => s.reusedFromJobId).length });
      return;
    }
    await this.writeProgress(chain, state, all);
  }

  /** Queues a step whose upstream steps succeeded, or finishes it with an identical earlier run's outputs. */
  private async release(chain: Job, state: ChainState, step: ChainStep, row: Job, byStep: Map<string, Job>): Promise<Job | null> {
    const { knex, jobs } = this.deps;
    const outputs = await publishedOutputsOf(knex, upstreamOf(step).map((id) => (byStep.get(id) as Job).id));
    const problems: string[] = [];
    const valueOf = (ref: ChainRef, where: string): JsonValue | undefined => {
      const source = refSource(ref);
      if ('input' in source) return state.values[source.input];
      const made = (outputs.get((byStep.get(source.step) as Job).id) ?? []).filter((a) => a.role !== 'preview');
      const artifact = made[source.index];
      if (!artifact) problems.push(`${where}: step "${source.step}" made ${made.length} output${made.length === 1 ? '' : 's'}; "${ref.from}" asks for number ${source.index + 1}`);
      return artifact?.id;
    };
    const params: JsonObject = {};
    for (const [name, value] of Object.entries(step.params)) {
      const resolved = isChainRef(value) ? valueOf(value, `params.${name}`) : (value as JsonValue);
      if (resolved !== undefined) params[name] = resolved;
    }
    const inputIds = Object.entries(step.inputs).flatMap(([key, ref]) => {
      const id = valueOf(ref, `inputs.${key}`);
      return typeof id === 'string' ? [id] : [];
    });
    let run: StepRun;
    try {
      if (problems.length) throw new ValidationError(problems.map((p) => ({ field: p.split(':')[0], message: p.slice(p.indexOf(':') + 2) })));
      if (!isWorkflowKind(step.workflow)) throw new ValidationError([{ field: 'workflow', message: 'is not a kind' }]);
      const preset = row.preset ? { name: row.preset.name, ...(row.preset.version ? { version: row.preset.version } : {}) } : null;
      const prepared = await jobs.prepare(step.workflow, preset, params, inputIds, [...outputs.values()].flat());
      run = { preset: prepared.preset, params: prepared.params, inputIds: prepared.inputIds, runKey: prepared.runKey, outputRole: row.outputRole ?? 'intermediate' };
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const message = `step "${step.id}" cannot run with what its upstream made: ${error.issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`;
      return failWaitingStep(knex, row, ACTOR, message);
    }
    const reusable = state.reuse === false ? null : await findReusableRun(knex, run.runKey, row.id);
    if (reusable) {
      const reused = await completeReused(knex, row, run, reusable, ACTOR);
      if (reused) return reused.job;
    }
    return releaseStep(knex, row, run, ACTOR);
  }

  private async settle(chain: Job, to: 'SUCCEEDED' | 'FAILED' | 'CANCELLED', patch: Record<string, unknown>, details: JsonObject): Promise<void> {
    const result = await transition(this.deps.knex, {
      id: chain.id,
      from: ['QUEUED', 'RUNNING'],
      to,
      actor: ACTOR,
      type: to === 'SUCCEEDED' ? 'succeeded' : to === 'FAILED' ? 'failed' : 'cancelled',
      patch,
      details,
    });
    if (result) this.deps.bus.jobChanged(result.job);
  }

  private summary(byStep: Map<string, Job>): JsonObject {
    return Object.fromEntries([...byStep].map(([id, s]) => [id, { job: s.id, status: s.status, ...(s.reusedFromJobId ? { reusedFrom: s.reusedFromJobId } : {}) }]));
  }

  /** The chain's progress: its steps' progress weighted by kind (STEP_WEIGHT). */
  private async writeProgress(chain: Job, state: ChainState, steps: Job[]): Promise<void> {
    const chainId = chain.id;
    let done = 0;
    let total = 0;
    for (const s of steps) {
      const weight = isWorkflowKind(s.workflow) ? STEP_WEIGHT[s.workflow] : 1;
      total += weight;
      done += weight * (s.status === 'SUCCEEDED' ? 1 : s.status === 'RUNNING' ? s.progress : 0);
    }
    const progress = total ? Math.min(1, done / total) : 0;
    const running = steps.filter((s) => s.status === 'RUNNING').map((s) => s.stepId);
    const finished = steps.filter((s) => s.status === 'SUCCEEDED').length;
    const stage = `${finished} of ${state.definition.steps.length} steps done${running.length ? `; running ${running.join(', ')}` : ''}`;
    if (Math.abs(progress - chain.progress) < 0.001 && stage === chain.stage) return; // nothing new to say
    if (await setChainProgress(this.deps.knex, chainId, progress, stage)) {
      this.deps.bus.emit('job.progress', { id: chainId, progress, stage, at: nowIso() });
    }
  }

  private scheduleProgress(chainId: string): void {
    if (this.progressTimers.has(chainId)) return;
    const timer = setTimeout(() => {
      this.progressTimers.delete(chainId);
      void (async () => {
        const chain = await getJob(this.deps.knex, chainId);
        if (!chain || chain.status !== 'RUNNING') return;
        await this.writeProgress(chain, stateOf(chain), await stepsOf(this.deps.knex, chainId));
      })().catch((error: unknown) => this.warn(chainId, error));
    }, 100);
    timer.unref();
    this.progressTimers.set(chainId, timer);
  }

  /** Cancels the chain: pending steps end CANCELLED, running steps stop at their next checkpoint. */
  async cancel(user: User, chain: Job): Promise<Job> {
    if (isTerminal(chain.status)) throw new TransitionConflict(chain, 'cancel');
    if (await requestChainCancel(this.deps.knex, chain.id)) {
      await insertEvent(this.deps.knex, { jobId: chain.id, actor: user.id, type: 'cancel-requested', from: chain.status, to: chain.status });
    }
    await this.advance(chain.id);
    const after = (await getJob(this.deps.knex, chain.id)) as Job;
    this.deps.bus.jobChanged(after);
    return after;
  }

  /** Resumes a failed or cancelled chain: steps that succeeded are kept, the others run again. */
  async retry(user: User, chain: Job): Promise<Job> {
    const { knex, bus } = this.deps;
    if (chain.status !== 'FAILED' && chain.status !== 'CANCELLED') throw new TransitionConflict(chain, 'retry');
    for (const step of await stepsOf(knex, chain.id)) {
      if (step.status === 'FAILED' || step.status === 'CANCELLED') {
        const reset = await resetStep(knex, step, user.id);
        if (reset) bus.emit('job.updated', reset);
      }
    }
    const result = await transition(knex, {
      id: chain.id,
      from: ['FAILED', 'CANCELLED'],
      to: 'QUEUED',
      actor: user.id,
      type: 'retried',
      patch: { stage: 'resuming', error_code: null, error_message: null, cancel_requested_at: null, finished_at: null },
      details: { previousError: chain.errorCode },
    });
    if (!result) throw new TransitionConflict((await getJob(knex, chain.id)) as Job, 'retry');
    bus.jobChanged(result.job);
    await this.advance(chain.id);
    return (await getJob(knex, chain.id)) as Job;
  }

  /** A chain's outputs: the definition's `outputs`, or every output of the steps no other step reads. */
  async outputs(chain: Job): Promise<Artifact[]> {
    const state = stateOf(chain);
    const byStep = new Map((await stepsOf(this.deps.knex, chain.id)).map((s) => [s.stepId as string, s]));
    const wanted = chainOutputsOf(state.definition).filter((o) => byStep.has(o.step));
    const made = await publishedOutputsOf(this.deps.knex, wanted.map((o) => (byStep.get(o.step) as Job).id));
    return wanted.flatMap((o) => {
      const list = (made.get((byStep.get(o.step) as Job).id) ?? []).filter((a) => a.role !== 'preview');
      return o.index === 'all' ? list : list[o.index] ? [list[o.index]] : [];
    });
  }

  /** bus.jobChanged for a change this engine made (its own listener skips it). */
  private announce(job: Job): void {
    this.announcing = true;
    try {
      this.deps.bus.jobChanged(job);
    } finally {
      this.announcing = false;
    }
  }

  private warn(chainId: string, error: unknown): void {
    this.deps.log.warn({ jobId: chainId, err: error }, `chain ${chainId}: ${(error as Error).message}`);
  }
}
