// Everything the plugin needs from the ComfyUI side, wired once:
//
//   const comfy = createComfyIntegration({ knex, options: options.comfy, logger });
//   await comfy.start();                               // presets synced, pool checking health
//   kinds.push(...comfy.kinds);                        // generate, blend, music, voice
//   const resolved = await comfy.resolveSubmission(kind, body.preset, body.params);   // POST /jobs
//   adminRouter.use(createPresetRoutes(comfy.registry, { corsOrigins }));   // plugin/http serves the registry
//   await comfy.reconcile(runningComfyJobs);           // start-up picture
//   await comfy.stop();
import type { Knex } from 'knex';
import { resolve } from 'node:path';
import { comfyOptionsSchema, defaultPresetsDir, type ComfyOptions, type ComfyOptionsInput } from '../../../bridge/options.js';
import { BackendPool, type Logger } from '../../../bridge/pool/backend-pool.js';
import type { Executor, Job, KindDefinition, KindReadiness } from '../../core/types.js';
import { MediaLabError } from '../../core/errors.js';
import { createComfyExecutor } from './executor.js';
import { presetOfJob } from './submission.js';
import type { ScriptRunner } from '../script/index.js';
import { createComfyKinds } from './kinds.js';
import { comfyReadiness } from './availability.js';
import { PresetRegistry } from './preset-registry.js';
import { reconcileComfyJobs, type ReconcileReport } from './reconcile-jobs.js';
import { resolveComfySubmission, type ResolvedSubmission } from './submission.js';

export { ComfyExecutor, createComfyExecutor, type ComfyExecutorDeps } from './executor.js';
export { createComfyKinds, comfyParamsSchema, type ComfyKindsOptions } from './kinds.js';
export { PresetRegistry, DEFAULT_PRESET_BY_KIND, PRESETS_TABLE, type PublishResult, type PresetSource } from './preset-registry.js';
export { reconcileComfyJobs, type ReconcileReport, type ReconcileState } from './reconcile-jobs.js';
export { resolveComfySubmission, presetOfJob, isComfyKind, COMFY_KINDS, type ComfyKind, type ResolvedSubmission } from './submission.js';
export { readCheckpoint, type ComfyCheckpoint } from './checkpoint.js';
export { comfyReadiness, WAIT_STAGE } from './availability.js';

export interface ComfyIntegrationOptions {
  knex: Knex;
  /** The `comfy` option of createMediaLab (see comfyOptionsSchema). */
  options?: ComfyOptionsInput | Record<string, unknown>;
  /** Runs script presets (ComfyUI-SaveAsScript exports); without it their jobs fail EXECUTOR_UNAVAILABLE. */
  scripts?: ScriptRunner;
  logger?: Logger;
}

export interface ComfyIntegration {
  readonly options: ComfyOptions;
  readonly pool: BackendPool;
  readonly registry: PresetRegistry;
  readonly executor: Executor;
  readonly kinds: KindDefinition[];
  resolveSubmission(kind: unknown, presetRef: unknown, params: unknown): Promise<ResolvedSubmission>;
  reconcile(jobs: Array<Pick<Job, 'id' | 'checkpoint'>>): Promise<ReconcileReport[]>;
  /** Syncs the presets folder (and watches it if `watch`), starts health checks and waits for the first. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export function createComfyIntegration({ knex, options: raw, scripts, logger = quiet }: ComfyIntegrationOptions): ComfyIntegration {
  const options = comfyOptionsSchema.parse(raw ?? {});
  const pool = new BackendPool(options, logger);
  const registry = new PresetRegistry(knex, logger);
  const comfyExecutor = createComfyExecutor({ pool, registry, options, logger });
  // A job's preset decides who runs it: a ComfyUI server (workflow presets) or a local Python process (script presets).
  const executor: Executor = {
    async run(ctx) {
      const preset = await presetOfJob(registry, ctx.job);
      if (!preset?.definition.script) return comfyExecutor.run(ctx);
      if (!scripts) throw new MediaLabError('EXECUTOR_UNAVAILABLE', `preset "${preset.name}" is a script preset, and this server runs no scripts (set the "scripts" option)`);
      return scripts.executor.run(ctx, preset);
    },
  };
  // Without a ComfyUI backend the kinds wait, unless scripts can run here (script presets need
  // none). When neither can run, the reason and the fix name both: a configuration problem pauses
  // the work and says why, it never fails it.
  const availability = (): KindReadiness => {
    const comfy = comfyReadiness(pool);
    if (comfy.available || !scripts?.options) return comfy; // no `scripts` option: only ComfyUI can run these kinds
    const script = scripts.availability();
    if (script.available) return { available: true };
    return {
      available: false,
      reason: `${comfy.reason} Script presets cannot run either: ${script.reason ?? 'not checked yet'}.`,
      fix: `${comfy.fix}${script.fix ? ` For script presets: ${script.fix}` : ''}`,
      waitStage: 'waiting for a ComfyUI backend or a runnable scripts setup',
    };
  };
  const kinds = createComfyKinds({ executor, registry, scripts, availability });
  const shipped = resolve(options.presetsDir) === resolve(defaultPresetsDir());
  const source = shipped ? 'shipped' : 'file';

  return {
    options,
    pool,
    registry,
    executor,
    kinds,
    resolveSubmission: (kind, presetRef, params) => resolveComfySubmission(registry, kind, presetRef, params),
    reconcile: (jobs) => reconcileComfyJobs(jobs, pool),
    async start() {
      const { loaded, problems } = await registry.syncDirectory(options.presetsDir, source);
      logger.info(`[media-lab] ${loaded.length} ComfyUI presets from ${options.presetsDir}${problems.length ? `, ${problems.length} with problems` : ''}`);
      if (options.watch) await registry.watch(options.presetsDir, source);
      if (pool.size === 0) logger.warn('[media-lab] no ComfyUI backends configured (comfy.backends or COMFYUI_URL): comfy jobs will wait');
      await pool.start(); // the first health check: jobs submitted next know which backends are up
    },
    async stop() {
      await registry.close();
      await pool.stop();
    },
  };
}
