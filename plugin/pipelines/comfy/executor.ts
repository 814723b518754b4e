// The executor for generate, blend, music and voice: preset + parameters -> a ComfyUI prompt on
// the best backend -> followed over the WebSocket -> outputs streamed into artifacts.
//
// Durability: the prompt id is ours and is saved in the job's checkpoint before the prompt is
// submitted. A later attempt (after a crash or an expired lease) reconciles first: finished on
// the server -> collect; queued/running -> follow again (under the old client id); lost (the
// server restarted) -> resubmit or fail with COMFY_LOST, by policy. A backend that goes away
// mid-run is drained and the prompt is resubmitted on another one.
import { randomUUID } from 'node:crypto';
import { ComfyExecutionError, ComfyLostError, ComfyRejectedError, ComfyUnreachableError } from '../../../bridge/errors.js';
import type { CancelResult } from '../../../bridge/client/comfy-client.js';
import type { PromptWatch } from '../../../bridge/client/prompt-watch.js';
import type { Backend, BackendPool, Logger } from '../../../bridge/pool/backend-pool.js';
import { compilePrompt, type CompiledPrompt } from '../../../bridge/presets/compile.js';
import { resolveParams } from '../../../bridge/presets/params.js';
import { checkAgainstCatalog } from '../../../bridge/presets/validate.js';
import type { ComfyOptions } from '../../../bridge/options.js';
import type { PromptOutcome, PromptProgress, PresetVersion } from '../../../bridge/types.js';
import { MediaLabError } from '../../core/errors.js';
import { detaches, stopReasonOf } from '../../../contract/stop.js';
import { isComfyKind } from '../../../contract/jobs.js';
import type { Executor, ExecutorContext, ExecutorResult, Job, JsonObject } from '../../core/types.js';
import { checkpointJson, readCheckpoint, type ComfyCheckpoint } from './checkpoint.js';
import { bindInputs, uploadInputs, type InputBinding } from './inputs.js';
import { collectOutputs, outputFiles } from './outputs.js';
import type { PresetRegistry } from './preset-registry.js';

export interface ComfyExecutorDeps {
  pool: BackendPool;
  registry: PresetRegistry;
  options: Pick<ComfyOptions, 'lost' | 'cancelWaitMs' | 'outputPrefix'>;
  /** Unused: the executor logs through the job's log (ctx.log), whose lines carry the job's fields. */
  logger?: Logger;
}

interface Plan {
  ctx: ExecutorContext;
  preset: PresetVersion;
  params: JsonObject;
  bindings: InputBinding[];
  /** The prompt compiled with placeholder files: for backend checks and output nodes. */
  shape: CompiledPrompt;
  /** Backends that failed during this attempt. */
  tried: Set<string>;
  lostCount: number;
  lastStage: string | null;
  lastReportAt: number;
}

type OutcomeAttempt = { type: 'outcome'; backend: Backend; promptId: string; outcome: PromptOutcome };
type Attempt = OutcomeAttempt | { type: 'retry'; error: MediaLabError };

/**
 * A stop that means "this attempt stops, the prompt may go on" (the worker is shutting down or
 * lost the job's lease: the next attempt re-follows the prompt) rather than "cancel the prompt".
 */
function isDetach(signal: AbortSignal): boolean {
  return detaches(stopReasonOf(signal));
}

/**
 * What to throw once the job's signal has aborted: a detaching stop as itself, so the worker sees
 * it; a timeout (stopped like a cancel: the prompt was removed or interrupted) as TIMEOUT, saying
 * what became of the prompt.
 */
function cancellation(signal: AbortSignal, detail: string): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof MediaLabError || (isDetach(signal) && reason instanceof Error)) return reason;
  if (stopReasonOf(signal) === 'timeout') return new MediaLabError('TIMEOUT', detail || 'stopped at its time limit', { transient: true });
  return new MediaLabError('CANCELLED', `Cancelled${detail ? `: ${detail}` : ''}`);
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** For the job's error: `ComfyUI prompt <id> on gpu interrupted`. */
function whatBecameOf(promptId: string, backend: Backend, result: CancelResult): string {
  const what = result === 'interrupted' ? 'interrupted' : result === 'dequeued' ? 'removed from the queue' : 'already finished';
  return `ComfyUI prompt ${promptId} on ${backend.name} ${what}`;
}

export class ComfyExecutor implements Executor {
  constructor(private readonly deps: ComfyExecutorDeps) {}

  async run(ctx: ExecutorContext): Promise<ExecutorResult> {
    const preset = await this.presetFor(ctx.job);
    const { manifest } = preset.definition;
    const { params, issues } = resolveParams(manifest.parameters, ctx.params as Record<string, unknown>);
    if (issues.length) throw new MediaLabError('VALIDATION_FAILED', issues.map((i) => `${i.field}: ${i.message}`).join('; '));
    const bindings = bindInputs(manifest.parameters, params, ctx.inputs);
    const placeholders = Object.fromEntries(bindings.map((b) => [b.param, `placeholder-${b.param}`]));
    const plan: Plan = {
      ctx,
      preset,
      params,
      bindings,
      shape: compilePrompt({ definition: preset.definition, params, files: placeholders, outputFolder: this.outputFolder(ctx.job) }),
      tried: new Set(),
      lostCount: 0,
      lastStage: null,
      lastReportAt: 0,
    };

    const saved = readCheckpoint(ctx.job.checkpoint);
    if (saved) {
      plan.lostCount = saved.resubmits;
      const resumed = saved.stopped ? null : await this.resume(plan, saved);
      if (resumed) return this.conclude(plan, resumed);
    }
    for (;;) {
      const attempt = await this.submitAndFollow(plan);
      if (attempt.type === 'outcome') return this.conclude(plan, attempt);
      this.beforeResubmit(plan, attempt.error);
    }
  }

  private outputFolder(job: Job): string {
    return `${this.deps.options.outputPrefix}/${job.id}`;
  }

  private async presetFor(job: Job): Promise<PresetVersion> {
    const kind = job.workflow;
    if (!isComfyKind(kind)) {
      throw new MediaLabError('EXECUTOR_UNAVAILABLE', `the ComfyUI executor does not run ${kind} jobs`);
    }
    const preset = job.preset ? await this.deps.registry.require(job.preset) : await this.deps.registry.defaultFor(kind);
    if (!preset) throw new MediaLabError('PRESET_NOT_FOUND', `there is no preset for ${kind} jobs`);
    if (preset.kind !== kind) throw new MediaLabError('PRESET_INVALID', `preset "${preset.name}" is a ${preset.kind} preset, the job is ${kind}`);
    return preset;
  }

  /** Decides whether a lost or unreachable prompt may be submitted again. */
  private beforeResubmit(plan: Plan, error: MediaLabError): void {
    if (!(error instanceof ComfyLostError)) {
      plan.ctx.log(`${error.message}; trying another backend`, { errorCode: error.code }, 'warn');
      return; // failover: bounded by the backends left to try
    }
    const { policy, maxResubmits } = this.deps.options.lost;
    plan.lostCount += 1;
    if (policy === 'fail' || plan.lostCount > maxResubmits) {
      throw new MediaLabError('COMFY_LOST', policy === 'fail' ? error.message : `${error.message}; gave up after ${maxResubmits} resubmissions`);
    }
    plan.ctx.log(`${error.message}; resubmitting (${plan.lostCount}/${maxResubmits})`, { errorCode: error.code }, 'warn');
  }

  /** A previous attempt's prompt: collect it, follow it, or report that it needs submitting again. */
  private async resume(plan: Plan, saved: ComfyCheckpoint): Promise<OutcomeAttempt | null> {
    const backend = this.deps.pool.get(saved.backend);
    if (!backend) {
      plan.ctx.log(`backend ${saved.backend} is no longer configured; submitting again`, { comfyPromptId: saved.promptId }, 'warn');
      return null;
    }
    let location;
    try {
      location = await backend.client.locate(saved.promptId, plan.ctx.signal);
    } catch (error) {
      if (plan.ctx.signal.aborted) throw cancellation(plan.ctx.signal, '');
      if (!(error instanceof ComfyUnreachableError)) throw error;
      this.deps.pool.markDown(backend.name, error.message);
      plan.tried.add(backend.name);
      plan.ctx.log(`${error.message}; submitting elsewhere`, { comfyPromptId: saved.promptId }, 'warn');
      return null;
    }
    if (location.state === 'finished') {
      // A success is collected; a failure or interruption from an earlier attempt is run again.
      return location.outcome.status === 'success' ? { type: 'outcome', backend, promptId: saved.promptId, outcome: location.outcome } : null;
    }
    if (location.state === 'unknown') {
      this.beforeResubmit(plan, new ComfyLostError(backend.name, saved.promptId));
      return null;
    }
    await plan.ctx.setBackend(backend.name);
    plan.ctx.bindLog({ comfyPromptId: saved.promptId });
    plan.ctx.log(`following ComfyUI prompt ${saved.promptId} from an earlier attempt (${location.state})`);
    const prompt = await backend.client.queuedPrompt(saved.promptId).catch(() => null);
    let watch: PromptWatch;
    try {
      watch = await backend.client.watch(saved.promptId, { clientId: saved.clientId, prompt, onProgress: (p) => this.onProgress(plan, backend, p) });
    } catch (error) {
      if (!(error instanceof ComfyUnreachableError)) throw error;
      this.deps.pool.markDown(backend.name, error.message);
      plan.tried.add(backend.name);
      return null;
    }
    watch.arm();
    watch.settleNow(); // messages sent while nobody listened are gone
    const attempt = await this.follow(plan, backend, saved.promptId, watch);
    if (attempt.type === 'retry') {
      this.beforeResubmit(plan, attempt.error);
      return null;
    }
    return attempt;
  }

  private async submitAndFollow(plan: Plan): Promise<Attempt> {
    const { ctx, preset } = plan;
    const backend = await this.chooseBackend(plan);
    await ctx.setBackend(backend.name);
    this.report(plan, 0.01, `uploading to ${backend.name}`, true);

    const unreachable = (error: unknown): Attempt | null => {
      if (!(error instanceof ComfyUnreachableError)) return null;
      this.deps.pool.markDown(backend.name, error.message);
      plan.tried.add(backend.name);
      return { type: 'retry', error };
    };

    let files: Record<string, string>;
    try {
      files = await uploadInputs(backend.client, plan.bindings, ctx);
    } catch (error) {
      if (ctx.signal.aborted) throw cancellation(ctx.signal, 'before the prompt was submitted');
      const retry = unreachable(error);
      if (retry) return retry;
      throw error;
    }
    const compiled = compilePrompt({ definition: preset.definition, params: plan.params, files, outputFolder: this.outputFolder(ctx.job) });
    const promptId = randomUUID();
    ctx.bindLog({ comfyPromptId: promptId });

    let watch: PromptWatch;
    try {
      watch = await backend.client.watch(promptId, { prompt: compiled.prompt, onProgress: (p) => this.onProgress(plan, backend, p) });
    } catch (error) {
      const retry = unreachable(error);
      if (retry) return retry;
      throw error;
    }
    try {
      // Before the prompt exists: a process that dies from here on leaves a findable prompt id.
      await ctx.saveCheckpoint(
        checkpointJson({
          backend: backend.name,
          promptId,
          clientId: watch.clientId,
          presetHash: preset.hash,
          resubmits: plan.lostCount,
          submittedAt: new Date().toISOString(),
          comfyVersion: backend.client.server?.version ?? null,
        }),
      );
      const submitted = await backend.client.submit(compiled.prompt, { promptId, clientId: watch.clientId }, ctx.signal);
      if (Object.keys(submitted.nodeErrors).length) {
        ctx.log(`ComfyUI ${backend.name} queued only part of the prompt: ${JSON.stringify(submitted.nodeErrors).slice(0, 500)}`, undefined, 'warn');
      }
      ctx.log(`ComfyUI prompt ${promptId} queued on ${backend.name}${backend.client.server?.version ? ` (ComfyUI ${backend.client.server.version})` : ''}`);
    } catch (error) {
      watch.close();
      if (ctx.signal.aborted) {
        // It may have been queued before the abort: stop it there too.
        const result = isDetach(ctx.signal) ? null : await backend.client.cancel(promptId).catch(() => null);
        if (result) await this.markStopped(ctx);
        throw cancellation(ctx.signal, result && result !== 'not-found' ? whatBecameOf(promptId, backend, result) : 'while submitting');
      }
      if (error instanceof ComfyRejectedError) throw new ComfyRejectedError(backend.name, error.rejection, compiled.parameterAt);
      const retry = unreachable(error);
      if (retry) return retry;
      throw error;
    }
    watch.arm();
    this.report(plan, 0.05, `queued on ${backend.name}`, true);
    return this.follow(plan, backend, promptId, watch);
  }

  private async follow(plan: Plan, backend: Backend, promptId: string, watch: PromptWatch): Promise<Attempt> {
    const { ctx } = plan;
    backend.inFlight += 1;
    try {
      const outcome = await untilAborted(watch.outcome, ctx.signal);
      return { type: 'outcome', backend, promptId, outcome };
    } catch (error) {
      if (ctx.signal.aborted) {
        const detail = await this.stopPrompt(plan, backend, promptId, watch);
        throw cancellation(ctx.signal, detail);
      }
      if (error instanceof ComfyUnreachableError) {
        this.deps.pool.markDown(backend.name, error.message);
        plan.tried.add(backend.name);
        return { type: 'retry', error };
      }
      if (error instanceof ComfyLostError) return { type: 'retry', error };
      throw error;
    } finally {
      backend.inFlight -= 1;
      watch.close();
    }
  }

  /** Cancels only our prompt (delete while queued, interrupt while running) and waits for ComfyUI to confirm. */
  private async stopPrompt(plan: Plan, backend: Backend, promptId: string, watch: PromptWatch): Promise<string> {
    if (isDetach(plan.ctx.signal)) return 'the prompt keeps running on the server';
    let result: CancelResult;
    try {
      result = await backend.client.cancel(promptId);
    } catch (error) {
      return `could not reach ComfyUI to stop prompt ${promptId}: ${(error as Error).message}`;
    }
    await this.markStopped(plan.ctx);
    if (result === 'interrupted') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([watch.outcome.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, this.deps.options.cancelWaitMs)))]);
      clearTimeout(timer);
    }
    return whatBecameOf(promptId, backend, result);
  }

  /** The prompt was stopped on the server: a later attempt (a retry after a timeout) submits afresh. */
  private async markStopped(ctx: ExecutorContext): Promise<void> {
    await ctx.saveCheckpoint({ ...ctx.job.checkpoint, stopped: true }).catch(() => undefined);
  }

  private async chooseBackend(plan: Plan): Promise<Backend> {
    const { pool } = this.deps;
    const { manifest } = plan.preset.definition;
    const refusals: string[] = [];
    for (const backend of pool.rank(plan.tried)) {
      try {
        const check = async (refresh: boolean) =>
          checkAgainstCatalog(plan.shape.prompt, await pool.catalog(backend.name, { refresh }), {
            requires: manifest.requires.customNodes,
            parameterAt: plan.shape.parameterAt,
          });
        let problems = await check(false);
        if (problems.length) problems = await check(true); // models may have been added since
        if (problems.length === 0) return backend;
        refusals.push(`${backend.name}: ${problems.join('; ')}`);
      } catch (error) {
        if (!(error instanceof ComfyUnreachableError)) throw error;
        pool.markDown(backend.name, error.message);
        plan.tried.add(backend.name);
      }
    }
    if (refusals.length) {
      throw new MediaLabError('PRESET_INVALID', `preset "${plan.preset.name}" v${plan.preset.version} cannot run on ${refusals.join(' | ')}`);
    }
    return pool.pick(plan.tried); // none left: COMFY_UNREACHABLE, retried later
  }

  private async conclude(plan: Plan, attempt: OutcomeAttempt): Promise<ExecutorResult> {
    const { ctx, preset } = plan;
    const { backend, promptId, outcome } = attempt;
    if (outcome.status !== 'success') ctx.log(`ComfyUI prompt ${promptId} ended: ${outcome.status}`, { comfyPromptId: promptId }, 'warn');
    if (outcome.status === 'error') throw new ComfyExecutionError(backend.name, outcome.failure);
    if (outcome.status === 'interrupted') {
      throw new MediaLabError(
        'COMFY_EXECUTION',
        `ComfyUI "${backend.name}" interrupted prompt ${promptId}${outcome.nodeId ? ` at node ${outcome.nodeId} (${outcome.nodeType})` : ''}; it was stopped on the server, not by Media Lab`,
      );
    }
    const refs = outputFiles(outcome.outputs, plan.shape.outputNodes);
    if (refs.length === 0) {
      throw new MediaLabError('COMFY_EXECUTION', `ComfyUI "${backend.name}" finished prompt ${promptId} without output files from nodes ${plan.shape.outputNodes.join(', ')}`);
    }
    const seeds: JsonObject = {};
    for (const spec of preset.definition.manifest.parameters) if (spec.type === 'seed' && plan.params[spec.name] !== null) seeds[spec.name] = plan.params[spec.name];
    const nodeCount = Object.keys(plan.shape.prompt).length;
    const fullyCached = outcome.cachedNodes.length >= nodeCount;
    const metadata: JsonObject = {
      seed: Object.values(seeds)[0] ?? null,
      seeds,
      models: plan.shape.models,
      // Which loader read each model file (lineage tells checkpoints from LoRAs). ComfyUI reports
      // no sizes or hashes of its model files, so none are recorded.
      modelFiles: plan.shape.modelLoaders.map((l) => ({ name: l.name, node: l.node, classType: l.classType, input: l.input })),
      preset: { id: preset.id, name: preset.name, version: preset.version, hash: preset.hash },
      backend: backend.name,
      promptId,
      params: plan.params,
      comfy: { cachedNodes: outcome.cachedNodes.length, fullyCached, version: backend.client.server?.version ?? null },
    };
    this.report(plan, 0.95, `downloading ${refs.length} output${refs.length === 1 ? '' : 's'} from ${backend.name}`, true);
    let artifacts;
    try {
      artifacts = await collectOutputs({
        ctx,
        client: backend.client,
        refs,
        parentIds: [...new Set(plan.bindings.map((b) => b.artifact.id))],
        metadata,
        onFile: (i, total) => this.report(plan, 0.95 + (0.05 * i) / total, `downloading outputs from ${backend.name}`),
      });
    } catch (error) {
      if (ctx.signal.aborted) throw cancellation(ctx.signal, 'while downloading outputs');
      throw error;
    }
    this.report(plan, 1, 'done', true);
    return {
      summary: { backend: backend.name, comfyVersion: backend.client.server?.version ?? null, promptId, outputs: artifacts.length, preset: metadata.preset, fullyCached, lostResubmits: plan.lostCount },
    };
  }

  private onProgress(plan: Plan, backend: Backend, progress: PromptProgress): void {
    const stage =
      progress.phase === 'queued' ? `queued on ${backend.name}` : progress.classType ? `running ${progress.classType} on ${backend.name}` : `running on ${backend.name}`;
    this.report(plan, 0.05 + 0.9 * progress.fraction, stage);
  }

  /** Progress to the job (throttled: the job core may write each update). */
  private report(plan: Plan, fraction: number, stage: string, force = false): void {
    const now = Date.now();
    if (!force && stage === plan.lastStage && now - plan.lastReportAt < 200) return;
    plan.lastStage = stage;
    plan.lastReportAt = now;
    plan.ctx.progress({ fraction: Math.round(Math.max(0, Math.min(1, fraction)) * 10_000) / 10_000, stage });
  }
}

export function createComfyExecutor(deps: ComfyExecutorDeps): Executor {
  return new ComfyExecutor(deps);
}
