// The six workflow kinds (WORKFLOW_KINDS, contract/jobs.ts), each with an entry from day one: a
// kind whose pipeline is not installed keeps a placeholder that fails its jobs with
// EXECUTOR_UNAVAILABLE, clearly. Parameter schemas live with each pipeline (its params.ts), which
// sits above this registry: a placeholder takes any params object and never runs them.
import { z } from 'zod';
import type { JsonObject, KindDefinition, KindReadiness, WorkflowKind } from '../core/types.js';
import { WORKFLOW_KINDS } from '../core/types.js';

const anyParams = z.record(z.string(), z.unknown()).describe('Parameters of a kind whose pipeline is not installed here') as unknown as z.ZodType<JsonObject>;

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
  return { kind, description: descriptions[kind], paramsSchema: anyParams, inputs: inputRules[kind] };
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

  /** Can jobs of this kind run now; when not, why, what to do, and whether its jobs wait. */
  readiness(kind: WorkflowKind): KindReadiness {
    const definition = this.get(kind);
    if (!definition.executor) {
      return {
        available: false,
        reason: `No ${kind} pipeline is installed on this server: its jobs fail with EXECUTOR_UNAVAILABLE.`,
        fix: `Install or configure the ${kind} pipeline, then restart Media Lab.`,
      };
    }
    return definition.availability?.() ?? { available: true };
  }

  hasExecutor(kind: WorkflowKind): boolean {
    return Boolean(this.kinds.get(kind)?.executor);
  }
}
