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

export const kindInfoSchema = z.strictObject({
  kind: z.enum(WORKFLOW_KINDS),
  description: z.string(),
  /** False when the server has no pipeline for this kind (jobs would fail EXECUTOR_UNAVAILABLE). */
  available: z.boolean(),
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
