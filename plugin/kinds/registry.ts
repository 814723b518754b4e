// The six workflow kinds. Each has a parameter schema from day one; a kind whose pipeline is
// not installed keeps its entry and fails its jobs with EXECUTOR_UNAVAILABLE, clearly.
import { z } from 'zod';
import type { JsonObject, KindDefinition, WorkflowKind } from '../core/types.js';
import { WORKFLOW_KINDS } from '../core/types.js';

const seed = z.number().int().min(0).max(2 ** 53 - 1).optional();
const prompt = z.string().max(4000);

// Placeholder schemas for ComfyUI kinds: the bridge replaces these with preset-derived ones.
const fallbackSchemas: Record<WorkflowKind, z.ZodType<JsonObject>> = {
  generate: z.object({ prompt: prompt.default(''), negativePrompt: prompt.default(''), seed, width: z.number().int().min(64).max(4096).default(1024), height: z.number().int().min(64).max(4096).default(1024), steps: z.number().int().min(1).max(150).default(25) }) as z.ZodType<JsonObject>,
  blend: z.object({ weights: z.array(z.number().min(0).max(1)).max(8).optional(), seed }) as z.ZodType<JsonObject>,
  enhance: z.object({ qualityPreset: z.enum(['fast', 'balanced', 'quality', 'max']).default('balanced'), scale: z.union([z.literal(2), z.literal(3), z.literal(4)]).default(2), outscale: z.number().gt(1).max(8).optional() }) as z.ZodType<JsonObject>,
  interpolate: z.object({ targetFps: z.number().positive().max(480), mode: z.enum(['fast', 'quality', 'model']).default('quality') }) as z.ZodType<JsonObject>,
  music: z.object({ prompt: prompt.default(''), seconds: z.number().min(1).max(300).default(30), seed }) as z.ZodType<JsonObject>,
  voice: z.object({ text: prompt.default(''), voice: z.string().max(200).optional(), seed }) as z.ZodType<JsonObject>,
};

const descriptions: Record<WorkflowKind, string> = {
  generate: 'Generate images from a prompt and optional reference images (ComfyUI).',
  blend: 'Blend two or more inspiration images into a new design (ComfyUI).',
  enhance: 'Upscale an image locally (sharp, ONNX ESRGAN).',
  interpolate: 'Raise a video frame rate locally (ffmpeg, optional ONNX interpolator).',
  music: 'Make a music clip from a text prompt (ComfyUI).',
  voice: 'Make a voice clip from text (ComfyUI).',
};

const inputRules: Record<WorkflowKind, KindDefinition['inputs']> = {
  generate: { min: 0, max: 8, kinds: ['image'] },
  blend: { min: 0, max: 8, kinds: ['image'] },
  enhance: { min: 1, max: 1, kinds: ['image'] },
  interpolate: { min: 1, max: 1, kinds: ['video'] },
  music: { min: 0, max: 4, kinds: ['audio'] },
  voice: { min: 0, max: 4, kinds: ['audio'] },
};

export function placeholderKind(kind: WorkflowKind): KindDefinition {
  return { kind, description: descriptions[kind], paramsSchema: fallbackSchemas[kind], inputs: inputRules[kind] };
}

// Kind definitions are generic in their params; the registry stores them type-erased.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each definition validates its own params
type AnyKind = KindDefinition<any>;

export class KindRegistry {
  private readonly kinds = new Map<WorkflowKind, AnyKind>();

  constructor() {
    for (const kind of WORKFLOW_KINDS) this.kinds.set(kind, placeholderKind(kind));
  }

  register(definition: AnyKind): void {
    this.kinds.set(definition.kind, definition);
  }

  get(kind: WorkflowKind): KindDefinition {
    return this.kinds.get(kind) as KindDefinition;
  }

  all(): KindDefinition[] {
    return WORKFLOW_KINDS.map((k) => this.get(k));
  }

  hasExecutor(kind: WorkflowKind): boolean {
    return Boolean(this.kinds.get(kind)?.executor);
  }
}
