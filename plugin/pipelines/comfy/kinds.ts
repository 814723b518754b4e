// KindDefinitions for the four ComfyUI kinds. Parameters depend on the preset, so the schema
// here only says "an object of JSON values"; `resolveSubmission` (resolveComfySubmission) does
// the real checking at submit time and the executor checks again before it runs.
import { z } from 'zod';
import type { Executor, Job, JsonObject, KindDefinition, KindReadiness, PresetTimeout, StaleCheck, StaleReason, SubmissionDraft } from '../../core/types.js';
import type { PresetRegistry } from './preset-registry.js';
import type { ScriptRunner } from '../script/index.js';
import { COMFY_KINDS, resolveComfySubmission, type ComfyKind } from './submission.js';

// Params arrive as parsed JSON, so every value already is a JsonValue; a flat record keeps the
// OpenAPI document free of recursive $defs.
export const comfyParamsSchema = z
  .record(z.string(), z.unknown())
  .describe('Parameters of the chosen preset: see GET /presets for each preset\'s parameter schema') as unknown as z.ZodType<JsonObject>;

const DESCRIPTIONS: Record<ComfyKind, string> = {
  generate: 'Pictures from a text prompt or from reference images, on ComfyUI (preset: txt2img, img2img, or your own).',
  blend: 'One new design blended from two or more inspiration images, with weights, on ComfyUI.',
  music: 'Music from style tags and lyrics, on ComfyUI.',
  voice: "Speech in a character's voice from a voice sample, on ComfyUI.",
};

export interface ComfyKindsOptions {
  executor: Executor;
  /** With a registry, each kind resolves its submissions (preset version, params, input ids). */
  registry?: PresetRegistry;
  /** Input artifacts a job may carry (image/audio parameters). */
  maxInputs?: number;
  /** Whether a backend can take jobs now (comfyReadiness over the pool); absent: always available. */
  availability?: () => KindReadiness;
  /** Script presets' runner: GET /kinds lists each script preset of a kind with whether it can run here. */
  scripts?: ScriptRunner;
}

/** A script preset in GET /kinds: the general availability shape (available, reason, fix) of the script runner. */
export interface ScriptPresetStatus {
  preset: string;
  version: number;
  available: boolean;
  reason?: string;
  fix?: string;
  engine: 'script';
  description: string;
  models: [];
}

/** The script presets of `kind`, each available or not as the script runner is. */
export async function describeScriptPresets(registry: PresetRegistry, scripts: ScriptRunner | undefined, kind: ComfyKind): Promise<ScriptPresetStatus[]> {
  const presets = (await registry.list()).map((l) => l.preset).filter((p) => p.kind === kind && p.definition.script);
  const availability = scripts?.availability() ?? {
    available: false,
    reason: 'this server runs no scripts (no "scripts" option)',
    fix: 'Set scripts: { python, comfyuiDirectory }, then restart.',
  };
  return presets.map((p) => ({
    preset: p.name,
    version: p.version,
    available: availability.available,
    ...(availability.reason ? { reason: availability.reason } : {}),
    ...(availability.fix ? { fix: availability.fix } : {}),
    engine: 'script' as const,
    description: p.definition.manifest.description,
    models: [] as [],
  }));
}

/** The `timeout` of the preset version a job is pinned to (the kind's default preset when it names none). */
export async function presetTimeoutOf(registry: PresetRegistry, kind: ComfyKind, job: Job): Promise<PresetTimeout | null> {
  const preset = job.preset ? await registry.require(job.preset) : await registry.defaultFor(kind);
  const timeout = preset?.definition.manifest.timeout;
  if (!preset || timeout === undefined) return null;
  return { ms: timeout, source: `preset "${preset.name}" v${preset.version}` };
}

/**
 * A ComfyUI job is stale once a newer version of its preset is published (API, file, another
 * process): the newest version is read from the preset table at the time of asking.
 */
export async function comfyStaleness(registry: PresetRegistry, steps: StaleCheck[]): Promise<Map<string, StaleReason>> {
  const stale = new Map<string, StaleReason>();
  const pinned = steps.filter((s) => s.job.preset && s.job.preset.version !== null);
  const newest = await registry.newestVersions(pinned.map((s) => s.job.preset!.name));
  for (const { job } of pinned) {
    const { name, version } = job.preset!;
    const current = newest.get(name);
    if (!current || version === null || current.version <= version) continue;
    stale.set(job.id, {
      code: 'PRESET_SUPERSEDED',
      message: `preset "${name}" v${version} was superseded by v${current.version}`,
      jobId: job.id,
      recorded: `v${version}`,
      current: `v${current.version}`,
    });
  }
  return stale;
}

export function createComfyKinds(options: ComfyKindsOptions): KindDefinition[] {
  return COMFY_KINDS.map((kind) => ({
    kind,
    description: DESCRIPTIONS[kind],
    paramsSchema: comfyParamsSchema,
    inputs: { min: 0, max: options.maxInputs ?? 8, kinds: ['image', 'audio'] },
    executor: options.executor,
    ...(options.availability ? { availability: options.availability } : {}),
    ...(options.registry
      ? {
          resolveSubmission: (draft: SubmissionDraft) => resolveComfySubmission(options.registry as PresetRegistry, kind, draft.preset, draft.params),
          presetTimeout: (job: Job) => presetTimeoutOf(options.registry as PresetRegistry, kind, job),
          staleness: (steps: StaleCheck[]) => comfyStaleness(options.registry as PresetRegistry, steps),
          describePresets: () => describeScriptPresets(options.registry as PresetRegistry, options.scripts, kind),
        }
      : {}),
  }));
}
