// Registers the installed pipelines: each replaces its kind's placeholder entry.
//   ComfyUI (generate, blend, music, voice), enhance (sharp + ONNX), interpolate (ffmpeg).
import type { Knex } from 'knex';
import { join, resolve } from 'node:path';
import type { KindRegistry } from './registry.js';
import { OptionsError, type MediaLabOptions } from '../options.js';
import { ZodError } from 'zod';
import { createComfyIntegration } from '../pipelines/comfy/index.js';
import { createEnhanceKind } from '../pipelines/enhance/index.js';
import { createInterpolateKind } from '../pipelines/interpolate/index.js';
import { createScriptRunner, type ScriptRunner } from '../pipelines/script/index.js';
import { runningJobsOfKinds } from '../jobs/store.js';
import { COMFY_KINDS, type PresetRegistry } from '../pipelines/comfy/index.js';
import type { BackendStatus } from '../../bridge/index.js';
import type { NodeCatalog } from '../../bridge/client/object-info.js';

export interface InstalledPipelines {
  /** The ComfyUI presets, for the preset routes (served by plugin/http), and the origins allowed to publish. */
  presets: {
    registry: PresetRegistry;
    corsOrigins: string[];
    /** The /object_info of the backend a job would go to now (model and LoRA lists); null when none answers. */
    catalog?: () => Promise<NodeCatalog | null>;
  };
  health?: () => Promise<Record<string, unknown>>;
  /** Script presets' runner (its availability: the prompt queue needs no ComfyUI when every type maps to a script). */
  scripts?: ScriptRunner;
  /** The ComfyUI backends as the pool sees them now (metrics read it at scrape time). */
  backends?: () => BackendStatus[];
  /** Calls `listener` when a kind's availability may have changed (a ComfyUI backend went down or came up). */
  onAvailabilityChange?: (listener: () => void) => () => void;
  start?: () => Promise<void>;
  stop?: () => Promise<void>;
}

type Log = Pick<Console, 'info' | 'warn' | 'error'>;

/** Pipeline options are validated by their pipelines; a bad one fails start-up naming it. */
function pipelineOption<T>(name: string, create: () => T): T {
  try {
    return create();
  } catch (error) {
    if (error instanceof ZodError) {
      const lines = error.issues.map((i) => `option "${[name, ...i.path.map(String)].join('.')}": ${i.message}`);
      throw new OptionsError(`Invalid Media Lab options: ${lines.join('; ')}`);
    }
    throw error;
  }
}

export async function installPipelines(deps: { kinds: KindRegistry; knex: Knex; options: MediaLabOptions; log: Log }): Promise<InstalledPipelines> {
  const { kinds, knex, options, log } = deps;
  const enhance = pipelineOption('enhance', () =>
    createEnhanceKind(
      { modelCacheDir: join(resolve(options.dataDir), 'models'), ...(options.enhance ?? {}) },
      { log: (message) => log.warn(`[media-lab] enhance: ${message}`) },
    ),
  );
  kinds.register(enhance);
  kinds.register(pipelineOption('interpolate', () => createInterpolateKind(options.interpolate ?? {})));

  const scripts = pipelineOption('scripts', () => createScriptRunner(options.scripts));
  const comfy = pipelineOption('comfy', () => createComfyIntegration({ knex, options: options.comfy ?? {}, scripts, logger: log }));
  for (const kind of comfy.kinds) kinds.register(kind);

  return {
    presets: {
      registry: comfy.registry,
      corsOrigins: comfy.options.corsOrigins,
      catalog: async () => {
        // GET /presets never waits long on a slow backend: without its lists the form shows text fields.
        const best = comfy.pool.rank()[0];
        if (!best) return null;
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 2_000)));
        try {
          return await Promise.race([comfy.pool.catalog(best.name).catch(() => null), late]);
        } finally {
          clearTimeout(timer);
        }
      },
    },
    scripts,
    health: async () => ({ comfy: { backends: comfy.pool.status() }, enhance: { presets: enhance.describePresets() }, scripts: scripts.health() }),
    backends: () => comfy.pool.status(),
    onAvailabilityChange: (listener) => comfy.pool.onChange(() => listener()),
    async start() {
      // Never throws: a missing Python or ComfyUI folder makes script presets unavailable, with the reason.
      const check = await scripts.start();
      if (scripts.options) {
        if (check.available) log.info(`[media-lab] script presets run with Python ${check.pythonVersion} (${check.python}) and ComfyUI at ${check.comfyuiDirectory}`);
        else log.warn(`[media-lab] script presets are unavailable: ${check.reason}. ${check.fix ?? ''}`);
      }
      await comfy.start();
      // Start-up picture of the jobs Media Lab believes are on a ComfyUI server. A job whose
      // worker died is re-claimed when its lease expires; its executor then collects,
      // re-follows or resubmits from this same checkpoint.
      const running = await runningJobsOfKinds(knex, COMFY_KINDS);
      if (running.length) {
        const report = await comfy.reconcile(running);
        log.info(`[media-lab] ComfyUI reconciliation at start-up: ${JSON.stringify(report)}`);
      }
    },
    async stop() {
      await comfy.stop();
      await enhance.close();
    },
  };
}
