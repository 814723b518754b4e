// The enhance kind as the job core sees it: parameter schema, input rule, submit-time check
// and executor. Sessions and converted models live as long as the kind, shared by all jobs.
import { ValidationError } from '../../core/errors.js';
import type { JsonObject, KindDefinition, StaleCheck, StaleReason } from '../../core/types.js';
import { createEnhanceExecutor } from './executor.js';
import { ModelStore } from './model-store.js';
import type { PackageLocator } from './npm-model-packages.js';
import { locateNpmPackage } from './npm-model-packages.js';
import type { EnhanceOptionsInput, ModelPreset } from './options.js';
import { enhanceOptionsSchema } from './options.js';
import type { EnhanceParams } from './params.js';
import { enhanceParamsSchema, targetScaleOf } from './params.js';
import type { PresetStatus } from './presets.js';
import { describePresets } from './presets.js';
import { SessionPool } from './session-pool.js';

export interface EnhanceKind extends KindDefinition<EnhanceParams> {
  /** Which presets can run here, and why not (for the UI and the API). */
  describePresets(): PresetStatus[];
  /** Converts and loads the models of the given presets now instead of on first use. */
  warmUp(presets?: ModelPreset[], scales?: number[]): Promise<void>;
  /** Releases every onnxruntime session (call when the worker stops). */
  close(): Promise<void>;
}

/** Seams for tests and benchmarks; hosts do not need them. */
export interface EnhanceKindInternals {
  /** Where npm model packages are found (tests hide one to make a preset unavailable). */
  locatePackage?: PackageLocator;
  /** Forces a tile core size instead of the one chosen from the memory budget. */
  tileSize?: number;
  /** Pool messages (provider fallback); console.warn by default. */
  log?: (message: string) => void;
}

export function createEnhanceKind(input: EnhanceOptionsInput = {}, internals: EnhanceKindInternals = {}): EnhanceKind {
  const options = enhanceOptionsSchema.parse(input);
  const locate = internals.locatePackage ?? locateNpmPackage;
  const sessions = new SessionPool({
    threads: options.threads,
    executionProviders: options.executionProviders,
    idleMs: options.sessionIdleSeconds * 1000,
    // Operators should see it when a configured GPU provider could not be used.
    log: internals.log ?? ((message) => console.warn(`[media-lab] enhance: ${message}`)),
  });
  const models = new ModelStore(options, sessions, locate);
  const describe = () => describePresets(options, locate);

  return {
    kind: 'enhance',
    description: 'Upscale an image locally: Lanczos (fast) or ESRGAN models on onnxruntime (balanced, quality, max).',
    paramsSchema: enhanceParamsSchema,
    inputs: { min: 1, max: 1, kinds: ['image'] },
    validate(params) {
      const status = describe().find((entry) => entry.preset === params.qualityPreset);
      if (status && !status.available) {
        throw new ValidationError([{ field: 'params.qualityPreset', message: `The "${params.qualityPreset}" preset is unavailable: ${status.reason}` }]);
      }
    },
    executor: createEnhanceExecutor({ options, models, sessions, tileSize: internals.tileSize }),
    staleness: (steps) => enhanceStaleness(models, steps),
    describePresets: describe,
    async warmUp(presets = ['balanced'], scales = [2, 4]) {
      for (const preset of presets) {
        if (!describe().find((entry) => entry.preset === preset)?.available) continue;
        for (const scale of scales) await sessions.get((await models.forPreset(preset, scale)).onnxPath);
      }
    },
    close: () => sessions.dispose(),
  };
}

/**
 * An enhance job is stale once the model file behind its preset changed: another hash (a custom
 * file replaced, a package's weights changed) or another model (a package upgraded, a custom
 * model configured). `fast` (Lanczos) has no model and never goes stale.
 */
async function enhanceStaleness(models: ModelStore, steps: StaleCheck[]): Promise<Map<string, StaleReason>> {
  const stale = new Map<string, StaleReason>();
  for (const { job, outputs } of steps) {
    const params = enhanceParamsSchema.safeParse(job.params);
    if (!params.success || params.data.qualityPreset === 'fast') continue;
    const recorded = outputs.map((o) => o.metadata.model).find((m): m is JsonObject => !!m && typeof m === 'object' && !Array.isArray(m));
    if (!recorded || typeof recorded.source !== 'string' || typeof recorded.sha256 !== 'string') continue;
    const current = await models.currentModel(params.data.qualityPreset, targetScaleOf(params.data), recorded.source);
    if (!current || (current.source === recorded.source && current.sha256 === recorded.sha256)) continue;
    const name = typeof recorded.name === 'string' ? recorded.name : recorded.source;
    const message =
      current.source === recorded.source
        ? `the model file of "${params.data.qualityPreset}" (${name}) changed: sha256 ${recorded.sha256.slice(0, 12)} is now ${current.sha256!.slice(0, 12)}`
        : `the "${params.data.qualityPreset}" preset now runs ${current.source} instead of ${recorded.source}`;
    stale.set(job.id, { code: 'MODEL_CHANGED', message, jobId: job.id, recorded: `${recorded.source} ${recorded.sha256}`, current: current.sha256 ? `${current.source} ${current.sha256}` : current.source });
  }
  return stale;
}
