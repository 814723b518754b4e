// GET /kinds: the workflow kinds this server knows, their parameter schemas (JSON Schema,
// generated from the kinds' zod schemas) and whether a pipeline is installed for each.
import { z } from 'zod';
import { WORKFLOW_KINDS } from './jobs.js';
import { MEDIA_KINDS, type MediaKind } from './media.js';
import type { JsonValue } from './json.js';
import { interpolateModeStatusSchema } from './interpolate.js';

/** How many input artifacts a kind takes, and of which media. */
export const inputRuleSchema = z.object({
  min: z.number().int(),
  max: z.number().int(),
  kinds: z.array(z.enum(MEDIA_KINDS)),
});
export interface InputRule {
  min: number;
  max: number;
  kinds: MediaKind[];
}

/** The subset of JSON Schema that `z.toJSONSchema` emits for parameter schemas. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: JsonValue;
  enum?: JsonValue[];
  const?: JsonValue;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
}

const jsonSchemaSchema = z.custom<JsonSchema>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), 'must be a JSON Schema object');

/** Enhance's quality presets: which can run here and, when one cannot, why. */
export const qualityPresetStatusSchema = z.looseObject({
  preset: z.string(),
  available: z.boolean(),
  reason: z.string().optional(),
  engine: z.string(),
  description: z.string(),
  models: z.array(z.unknown()),
});

/**
 * Whether something (a kind, a preset) can run here now and, when it cannot, why and what to do.
 * General on purpose: ComfyUI kinds without a backend, a kind without a pipeline, a preset whose
 * script is missing all say it the same way.
 */
export const kindAvailabilitySchema = z.strictObject({
  available: z.boolean(),
  /** Why not, as a sentence: `No ComfyUI backend is configured.` Absent when available. */
  reason: z.string().optional(),
  /** What makes it available: `Set COMFYUI_URL (...) or the comfy.backends option, then restart Media Lab.` */
  fix: z.string().optional(),
});
export type KindAvailability = z.infer<typeof kindAvailabilitySchema>;

export const kindInfoSchema = z.strictObject({
  kind: z.enum(WORKFLOW_KINDS),
  description: z.string(),
  /**
   * False when jobs of this kind cannot run here now: no pipeline is installed (jobs fail
   * EXECUTOR_UNAVAILABLE), or its backend is missing (ComfyUI: jobs wait QUEUED until one answers).
   */
  available: z.boolean(),
  /** Why not (absent when available). */
  reason: z.string().optional(),
  /** What to do about it (absent when available). */
  fix: z.string().optional(),
  inputs: inputRuleSchema,
  params: jsonSchemaSchema,
  /** Kinds with presets of their own (enhance) say which are available here and why not. */
  presets: z.array(qualityPresetStatusSchema).optional(),
  /** Interpolate's modes: which can run here and why not (`model` needs a configured model). */
  modes: z.array(interpolateModeStatusSchema).optional(),
});
export type KindInfo = z.infer<typeof kindInfoSchema>;

export const kindListSchema = z.strictObject({ items: z.array(kindInfoSchema) });
export type KindList = z.infer<typeof kindListSchema>;
