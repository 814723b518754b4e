// The workbench: drafts per admin, runs of one step (a normal job of the step's workflow in the
// workbench lane, its refs resolved to the selected upstream results), "run to here" / "run all"
// driven by job events (and resumed at start), selecting older results, and the export.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { chainDefinitionSchema, isChainRef, refSource, type ChainStep } from '../../contract/chains.js';
import {
  createDraftSchema,
  exportDraftSchema,
  runStepSchema,
  selectResultSchema,
  updateDraftSchema,
  WORKBENCH_LANE,
  WORKBENCH_PRIORITY,
  type DraftDefinition,
  type DraftRun,
  type ExportResult,
  type Freshness,
  type ResultSnapshot,
} from '../../contract/workbench.js';
import { zodIssues } from '../../contract/zod-issues.js';
import type { Artifact, Job, JsonObject, User } from '../core/types.js';
import { isTerminal } from '../core/types.js';
import { MediaLabError, ValidationError, type FieldIssue } from '../core/errors.js';
import { nowIso } from '../core/time.js';
import type { Logger } from '../core/logger.js';
import { NotFound, type JobService } from '../jobs/service.js';
import { getJobs } from '../jobs/store.js';
import { artifactsOfJobs } from '../artifacts/store.js';
import type { KindRegistry } from '../kinds/registry.js';
import type { LabEventBus } from '../events/bus.js';
import { closureOf, downstreamOf, graphIssues, refsOf, topoOrder, upstreamOf } from './graph.js';
import { draftFreshness, inputNamesOf, inputValueOf, isReady, staleReasons, stepRecipe, canonicalJson, type DraftContext, type StepFreshness } from './freshness.js';
import * as store from './store.js';
import type { PublishChainPreset } from './chain-presets.js';

/** A step run could not start: an upstream result is missing, unfinished, failed or stale (409). */
export class UpstreamNotReady extends MediaLabError {
  constructor(message: string) {
    super('UPSTREAM_NOT_READY', message);
  }
}

/** A draft with everything its view shows. */
export interface DraftState {
  draft: store.DraftRow;
  context: DraftContext;
  states: Map<string, StepFreshness>;
  /** Published outputs (previews left out) of every result's job, by job id. */
  outputs: Map<string, Artifact[]>;
  /** Freshness of every result against the current selection, by job id. */
  resultFreshness: Map<string, Freshness>;
  edges: Array<{ from: string; to: string; at: string; freshness: Freshness }>;
}

export interface WorkbenchDeps {
  knex: Knex;
  jobs: JobService;
  kinds: KindRegistry;
  bus: LabEventBus;
  log: Logger;
  publishChainPreset: PublishChainPreset;
}

/** How long one server may go on with a draft's run before another may take over (a pass takes far less). */
const RUN_LEASE_MS = 15_000;
const RUN_LEASE_RETRY_MS = 250;
const RUN_SWEEP_MS = 3_000;

export class WorkbenchService {
  /** This service's name in run leases. */
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private stopped = false;
  private sweeper: NodeJS.Timeout | null = null;
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly onFinished = (job: Job) => {
    if (job.lane !== WORKBENCH_LANE) return;
    void store
      .draftOfJob(this.deps.knex, job.id)
      .then((draftId) => (draftId ? this.advance(draftId) : undefined))
      .catch((error: unknown) => this.deps.log.warn({ err: error, jobId: job.id }, `workbench: could not go on after job ${job.id}: ${(error as Error).message}`));
  };

  constructor(private readonly deps: WorkbenchDeps) {}

  /** Listens for finished workbench runs and goes on with every draft run left in progress. */
  async start(): Promise<void> {
    this.stopped = false;
    this.deps.bus.on('job.finished', this.onFinished);
    await this.sweepRunning();
    // A job can finish before its result row names its draft (a fast step, a busy loop), and then
    // its event finds no draft: a sweep goes on with every running draft now and then, so no run
    // waits on an event it missed (advance is idempotent and leased).
    this.sweeper = setInterval(() => void this.sweepRunning(), RUN_SWEEP_MS);
    this.sweeper.unref();
  }

  stop(): void {
    this.stopped = true;
    this.deps.bus.off('job.finished', this.onFinished);
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  private async sweepRunning(): Promise<void> {
    if (this.stopped) return;
    try {
      for (const draft of await store.draftsRunning(this.deps.knex)) await this.advance(draft.id).catch(() => undefined);
    } catch (error) {
      this.deps.log.warn({ err: error }, `workbench: could not look at running drafts: ${(error as Error).message}`);
    }
  }

  /** One change at a time per draft (in this process). */
  private withDraft<T>(id: string, work: () => Promise<T>): Promise<T> {
    const before = this.locks.get(id) ?? Promise.resolve();
    const next = before.catch(() => undefined).then(work);
    this.locks.set(id, next);
    void next.finally(() => {
      if (this.locks.get(id) === next) this.locks.delete(id);
    }).catch(() => undefined);
    return next;
  }

  async list(user: User): Promise<store.DraftRow[]> {
    return store.listDrafts(this.deps.knex, user.id);
  }

  async create(user: User, body: unknown): Promise<DraftState> {
    const parsed = createDraftSchema.safeParse(body ?? {});
    if (!parsed.success) throw new ValidationError(zodIssues(parsed.error, [], body ?? {}));
    this.checkGraph(parsed.data.definition);
    const draft = await store.insertDraft(this.deps.knex, { owner: user.id, name: parsed.data.name, definition: parsed.data.definition, inputValues: parsed.data.inputValues });
    return this.state(draft);
  }

  /** The draft of this admin (another admin's draft is not found). */
  private async own(user: User, id: string): Promise<store.DraftRow> {
    const draft = await store.getDraft(this.deps.knex, id);
    if (!draft || draft.owner !== user.id) throw new NotFound(id, 'draft of yours');
    return draft;
  }

  async get(user: User, id: string): Promise<DraftState> {
    return this.state(await this.own(user, id));
  }

  async update(user: User, id: string, body: unknown): Promise<DraftState> {
    const parsed = updateDraftSchema.safeParse(body ?? {});
    if (!parsed.success) throw new ValidationError(zodIssues(parsed.error, [], body ?? {}));
    return this.withDraft(id, async () => {
      const draft = await this.own(user, id);
      if (parsed.data.definition) this.checkGraph(parsed.data.definition);
      const definition = parsed.data.definition ?? draft.definition;
      // Selections of steps that are gone go with them.
      const ids = new Set(definition.steps.map((s) => s.id));
      const selections = Object.fromEntries(Object.entries(draft.selections).filter(([step]) => ids.has(step)));
      await store.updateDraft(this.deps.knex, id, { ...parsed.data, selections });
      return this.state((await store.getDraft(this.deps.knex, id)) as store.DraftRow);
    });
  }

  /** Removes the draft and its result rows; the runs' jobs and artifacts stay in the library. */
  async remove(user: User, id: string): Promise<void> {
    await this.withDraft(id, async () => {
      await this.own(user, id);
      await store.deleteDraft(this.deps.knex, id);
    });
  }

  private checkGraph(definition: DraftDefinition): void {
    const issues = graphIssues(definition, this.deps.kinds);
    if (issues.length) throw new ValidationError(issues);
  }

  /** "Run this step": new params/preset first when given, then one job reading the selected upstream results. */
  async runStep(user: User, id: string, stepId: string, body: unknown): Promise<{ state: DraftState; job: Job }> {
    const parsed = runStepSchema.safeParse(body ?? {});
    if (!parsed.success) throw new ValidationError(zodIssues(parsed.error, [], body ?? {}));
    return this.withDraft(id, async () => {
      let draft = await this.own(user, id);
      const index = stepIndex(draft.definition, stepId);
      if (parsed.data.params || parsed.data.preset !== undefined) {
        const step = { ...draft.definition.steps[index]! };
        if (parsed.data.params) step.params = parsed.data.params;
        if (parsed.data.preset !== undefined) step.preset = parsed.data.preset;
        const definition = { ...draft.definition, steps: draft.definition.steps.map((s, i) => (i === index ? step : s)) };
        this.checkGraph(definition);
        await store.updateDraft(this.deps.knex, id, { definition });
        draft = (await store.getDraft(this.deps.knex, id)) as store.DraftRow;
      }
      const context = await this.contextOf(draft);
      const states = draftFreshness(context);
      const job = await this.submitStep(user, draft, context, states, stepId, parsed.data.reuse !== false);
      return { state: await this.state((await store.getDraft(this.deps.knex, id)) as store.DraftRow), job };
    });
  }

  /** "Run to here" (target) or "run all" (null): runs the stale or missing steps in order. */
  async run(user: User, id: string, target: string | null): Promise<DraftState> {
    await this.withDraft(id, async () => {
      const draft = await this.own(user, id);
      if (target !== null) stepIndex(draft.definition, target);
      if (draft.definition.steps.length === 0) throw new ValidationError([{ field: 'definition.steps', message: 'has no steps to run' }]);
      const run: DraftRun = { target, status: 'running', actor: user.id, error: null, jobIds: [], startedAt: nowIso(), finishedAt: null };
      await store.updateDraft(this.deps.knex, id, { run });
    });
    await this.advance(id, user);
    return this.get(user, id);
  }

  /**
   * Goes on with a draft's run: submits each needed step whose upstream steps are fresh and
   * finished (independent ones together), ends the run when its steps are all fresh and
   * finished, or fails it when a step it ran failed.
   */
  async advance(id: string, actor?: User): Promise<void> {
    if (this.stopped) return;
    const owner = this.owner;
    const leased = await this.withDraft(id, async () => {
      if ((await store.getDraft(this.deps.knex, id))?.run?.status !== 'running') return true;
      // Every server sees a run's job finish: one at a time goes on with it (the lease).
      if (!(await store.takeRunLease(this.deps.knex, id, owner, RUN_LEASE_MS))) return false;
      try {
        await this.advanceHeld(id, actor);
      } finally {
        await store.releaseRunLease(this.deps.knex, id, owner);
      }
      return true;
    });
    // Another server is at it: look again shortly, so that what this server saw is not lost.
    if (!leased) setTimeout(() => void this.advance(id).catch(() => undefined), RUN_LEASE_RETRY_MS).unref();
  }

  private async advanceHeld(id: string, actor?: User): Promise<void> {
    const draft = await store.getDraft(this.deps.knex, id);
    const run = draft?.run;
    if (!draft || !run || run.status !== 'running') return;
    const user: User = actor ?? { id: run.actor, roles: [] };
    const finish = async (status: 'succeeded' | 'failed', error: string | null) =>
      store.updateDraft(this.deps.knex, id, { run: { ...run, status, error, finishedAt: nowIso() } });
    const steps = draft.definition.steps;
    if (run.target !== null && !steps.some((s) => s.id === run.target)) return void (await finish('failed', `step "${run.target}" was removed from the draft`));
    const needed = run.target === null ? topoOrder(steps) : closureOf(steps, run.target);
    const context = await this.contextOf(draft);
    let states = draftFreshness(context);
    let waiting = false;
    for (const step of needed) {
      const state = states.get(step.id);
      if (isReady(state)) continue;
      const job = state?.job;
      if (state?.freshness === 'fresh' && job && !isTerminal(job.status)) {
        waiting = true;
        continue;
      }
      if (state?.freshness === 'fresh' && job && run.jobIds.includes(job.id)) {
        // A step this run ran failed or was cancelled: the run ends here; nothing else is touched.
        return void (await finish('failed', `step "${step.id}" ${job.status.toLowerCase()}${job.errorMessage ? `: ${job.errorMessage}` : ''}`));
      }
      if (!upstreamOf(step).every((up) => isReady(states.get(up)))) {
        waiting = true;
        continue;
      }
      try {
        const submitted = await this.submitStep(user, draft, context, states, step.id, true);
        run.jobIds.push(submitted.id);
        draft.selections = context.selections;
        await store.updateDraft(this.deps.knex, id, { run });
        states = draftFreshness(context);
        // A reused result is finished already: the steps after it go on in this same pass.
        if (!isTerminal(submitted.status)) waiting = true;
      } catch (error) {
        const message = error instanceof ValidationError ? error.issues.map((i) => `${i.field}: ${i.message}`).join('; ') : (error as Error).message;
        return void (await finish('failed', `step "${step.id}" could not start: ${message}`));
      }
    }
    if (!waiting) await finish('succeeded', null);
  }

  /**
   * Submits one step's job (the draft lock is held) and selects it. With `reuse`, an identical
   * earlier run that succeeded (same recipe, fixed seed, same input bytes) is the result at once.
   */
  private async submitStep(user: User, draft: store.DraftRow, context: DraftContext, states: Map<string, StepFreshness>, stepId: string, reuse: boolean): Promise<Job> {
    const index = stepIndex(draft.definition, stepId);
    const step = draft.definition.steps[index]!;
    const notReady = upstreamOf(step).filter((up) => !isReady(states.get(up)));
    if (notReady.length) {
      const why = notReady.map((up) => {
        const s = states.get(up);
        return `"${up}" is ${s?.freshness === 'fresh' ? (s.job?.status.toLowerCase() ?? 'missing') : (s?.freshness ?? 'missing')}`;
      });
      throw new UpstreamNotReady(`Step "${stepId}" reads ${why.join(', ')}; run to here to run what it needs first.`);
    }
    const upstream: Record<string, string> = {};
    for (const up of upstreamOf(step)) upstream[up] = context.selections[up]!;
    const artifacts: Record<string, string> = {};
    const issues: FieldIssue[] = [];
    const outputsOf = async (jobId: string) => (await artifactsOfJobs(this.deps.knex, [jobId])).filter((a) => a.published && a.role !== 'preview');
    const valueOf = async (at: string, ref: Parameters<typeof refSource>[0]): Promise<string | number | undefined> => {
      const source = refSource(ref);
      if ('input' in source) {
        const value = inputValueOf(draft.definition, draft.inputValues, source.input);
        if (value === undefined) issues.push({ field: `inputValues.${source.input}`, message: `is required (step "${stepId}" reads it)` });
        return value;
      }
      const outputs = await outputsOf(upstream[source.step]!);
      const artifact = outputs[source.index];
      if (!artifact) {
        issues.push({ field: `definition.steps[${index}].${at}`, message: `reads output ${source.index} of step "${source.step}", which made ${outputs.length}` });
        return undefined;
      }
      artifacts[at] = artifact.id;
      return artifact.id;
    };
    const inputs: string[] = [];
    for (const [key, ref] of Object.entries(step.inputs)) {
      const value = await valueOf(`inputs.${key}`, ref);
      if (value !== undefined) inputs.push(String(value));
    }
    const params: JsonObject = {};
    for (const [key, value] of Object.entries(step.params)) {
      if (isChainRef(value)) params[key] = (await valueOf(`params.${key}`, value)) ?? null;
      else if (Array.isArray(value)) {
        params[key] = await Promise.all(value.map(async (item, i) => (isChainRef(item) ? ((await valueOf(`params.${key}[${i}]`, item)) ?? null) : (item as JsonObject[string]))));
      } else params[key] = value as JsonObject[string];
    }
    if (issues.length) throw new ValidationError(issues);
    const inputValues: Record<string, string | number> = {};
    for (const name of inputNamesOf(step)) {
      const value = inputValueOf(draft.definition, draft.inputValues, name);
      if (value !== undefined) inputValues[name] = value;
    }
    let job: Job;
    try {
      ({ job } = await this.deps.jobs.submit(
        user,
        { workflow: step.workflow, preset: step.preset, params, inputs, priority: WORKBENCH_PRIORITY },
        { lane: WORKBENCH_LANE, stepId, reuse },
      ));
    } catch (error) {
      if (error instanceof ValidationError) throw new ValidationError(error.issues.map((i) => ({ ...i, field: stepField(index, step, i.field) })), { code: error.code });
      throw error;
    }
    const snapshot: ResultSnapshot = { step: stepRecipe(step), upstream, inputValues, artifacts };
    const result = await store.insertResult(this.deps.knex, { jobId: job.id, draftId: draft.id, stepId, snapshot });
    context.results.unshift(result);
    context.jobs.set(job.id, job);
    context.selections = { ...context.selections, [stepId]: job.id };
    await store.updateDraft(this.deps.knex, draft.id, { selections: context.selections });
    return job;
  }

  /**
   * Selects an older (or any) result of a step: restores what made it (the step's params and
   * preset, the chain input values, the upstream results it read, recursively), then selects,
   * for each downstream step, its newest result that matches the new selection.
   */
  async select(user: User, id: string, stepId: string, body: unknown): Promise<DraftState> {
    const parsed = selectResultSchema.safeParse(body ?? {});
    if (!parsed.success) throw new ValidationError(zodIssues(parsed.error, [], body ?? {}));
    return this.withDraft(id, async () => {
      const draft = await this.own(user, id);
      stepIndex(draft.definition, stepId);
      const context = await this.contextOf(draft);
      const byJob = new Map(context.results.map((r) => [r.jobId, r]));
      const chosen = byJob.get(parsed.data.jobId);
      if (!chosen || chosen.stepId !== stepId) throw new ValidationError([{ field: 'jobId', message: `is not a result of step "${stepId}" in this draft` }]);
      const steps = draft.definition.steps.map((s) => ({ ...s }));
      const byId = new Map(steps.map((s) => [s.id, s]));
      const inputValues = { ...draft.inputValues };
      const selections = { ...draft.selections };
      const restore = (result: store.ResultRow, seen: Set<string>) => {
        if (seen.has(result.stepId)) return;
        seen.add(result.stepId);
        selections[result.stepId] = result.jobId;
        restoreRecipe(byId.get(result.stepId), result.snapshot);
        Object.assign(inputValues, result.snapshot.inputValues);
        for (const [up, jobId] of Object.entries(result.snapshot.upstream)) {
          const upstream = byJob.get(jobId);
          if (upstream && byId.has(up)) restore(upstream, seen);
        }
      };
      restore(chosen, new Set());
      const definition: DraftDefinition = { ...draft.definition, steps };
      context.definition = definition;
      context.inputValues = inputValues;
      context.selections = selections;
      for (const down of downstreamOf(steps, stepId)) {
        const states = draftFreshness(context);
        if (states.get(down.id)?.freshness === 'fresh') continue;
        const candidates = context.results.filter((r) => r.stepId === down.id && staleReasons(context, down, r.snapshot, states, { ignoreRecipe: true }).length === 0);
        const match = candidates.find((r) => canonicalJson(r.snapshot.step) === canonicalJson(stepRecipe(down))) ?? candidates[0];
        if (!match) continue;
        selections[down.id] = match.jobId;
        restoreRecipe(byId.get(down.id), match.snapshot);
      }
      await store.updateDraft(this.deps.knex, id, { definition, inputValues, selections });
      return this.state((await store.getDraft(this.deps.knex, id)) as store.DraftRow);
    });
  }

  /** Publishes the draft as a chain preset version (one call). */
  async exportDraft(user: User, id: string, body: unknown): Promise<ExportResult> {
    const parsed = exportDraftSchema.safeParse(body ?? {});
    if (!parsed.success) throw new ValidationError(zodIssues(parsed.error, [], body ?? {}));
    const draft = await this.own(user, id);
    const chain = chainDefinitionSchema.safeParse(draft.definition);
    if (!chain.success) throw new ValidationError(zodIssues(chain.error, ['definition'], draft.definition));
    this.checkGraph(draft.definition);
    return this.deps.publishChainPreset(parsed.data.name, chain.data, user.id);
  }

  private async contextOf(draft: store.DraftRow): Promise<DraftContext> {
    const results = await store.resultsOfDraft(this.deps.knex, draft.id);
    const jobs = await getJobs(this.deps.knex, results.map((r) => r.jobId));
    return { definition: draft.definition, inputValues: draft.inputValues, selections: { ...draft.selections }, results, jobs: new Map(jobs.map((j) => [j.id, j])) };
  }

  private async state(draft: store.DraftRow): Promise<DraftState> {
    const context = await this.contextOf(draft);
    const states = draftFreshness(context);
    const outputs = new Map<string, Artifact[]>();
    for (const artifact of await artifactsOfJobs(this.deps.knex, context.results.map((r) => r.jobId))) {
      if (!artifact.published || artifact.role === 'preview' || !artifact.jobId) continue;
      outputs.set(artifact.jobId, [...(outputs.get(artifact.jobId) ?? []), artifact]);
    }
    const byId = new Map(draft.definition.steps.map((s) => [s.id, s]));
    const resultFreshness = new Map<string, Freshness>();
    for (const result of context.results) {
      const step = byId.get(result.stepId);
      resultFreshness.set(result.jobId, step && staleReasons(context, step, result.snapshot, states).length === 0 ? 'fresh' : 'stale');
    }
    const edges: DraftState['edges'] = [];
    for (const step of draft.definition.steps) {
      const state = states.get(step.id);
      for (const { at, ref } of refsOf(step)) {
        const source = refSource(ref);
        if (!('step' in source)) continue;
        let freshness: Freshness = 'missing';
        if (state?.selected) {
          const up = states.get(source.step);
          freshness = state.selected.snapshot.upstream[source.step] === context.selections[source.step] && up?.freshness === 'fresh' ? 'fresh' : 'stale';
        }
        edges.push({ from: source.step, to: step.id, at, freshness });
      }
    }
    return { draft: { ...draft, selections: context.selections }, context, states, outputs, resultFreshness, edges };
  }
}

function stepIndex(definition: DraftDefinition, stepId: string): number {
  const index = definition.steps.findIndex((s) => s.id === stepId);
  if (index < 0) throw new NotFound(stepId, 'step in this draft');
  return index;
}

/** A job field a step's submit named, as the draft's path (`params.scale` -> `definition.steps[1].params.scale`). */
function stepField(index: number, step: ChainStep, field: string): string {
  const input = /^inputs\[(\d+)\]/.exec(field);
  if (input) {
    const key = Object.keys(step.inputs)[Number(input[1])];
    if (key) return `definition.steps[${index}].inputs.${key}`;
  }
  return `definition.steps[${index}].${field}`;
}

/** Puts back the params and preset a result was made with (its input refs stay as drawn now). */
function restoreRecipe(step: ChainStep | undefined, snapshot: ResultSnapshot): void {
  if (!step || snapshot.step.workflow !== step.workflow) return;
  step.params = (snapshot.step.params as ChainStep['params']) ?? {};
  const preset = snapshot.step.preset as ChainStep['preset'] | null;
  if (preset === null || preset === undefined) delete step.preset;
  else step.preset = preset;
}
