// GET /presets: the current version of each ComfyUI preset with its parameters, and the preset
// files that failed to load.
import { z } from 'zod';
import { WORKFLOW_KINDS } from './jobs.js';
import { jsonValueSchema } from './json.js';

/** One parameter of a preset (bridge/presets/params.ts describeParameter). */
export const presetParameterSchema = z.strictObject({
  name: z.string(),
  /** text | string | integer | number | boolean | seed | enum | image | audio */
  type: z.string(),
  required: z.boolean(),
  description: z.string().optional(),
  default: jsonValueSchema.optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  step: z.number().optional(),
  /**
   * Allowed values of an enum parameter; for a string parameter that feeds a model list (a LoRA,
   * a checkpoint), the names a ComfyUI backend's /object_info offers (suggestions, not a limit).
   */
  options: z.array(jsonValueSchema).optional(),
  /** Seeds: a random value is drawn per job when left empty. */
  randomize: z.boolean().optional(),
  /** Left empty, the nodes it feeds are skipped (bypassWhenEmpty): an optional LoRA, an optional image. */
  skippedWhenEmpty: z.boolean().optional(),
});
export type PresetParameter = z.infer<typeof presetParameterSchema>;

export const presetSummarySchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  version: z.number().int(),
  hash: z.string(),
  /** The workflow kind the preset serves. */
  kind: z.enum(WORKFLOW_KINDS),
  description: z.string(),
  /** Where the preset comes in lists: lower first; absent, after the ordered ones (GET /presets is already in this order). */
  order: z.number().int().optional(),
  source: z.enum(['shipped', 'api', 'file']),
  createdAt: z.string(),
  parameters: z.array(presetParameterSchema),
  outputs: z.array(z.string()),
  /** Custom nodes the ComfyUI install needs for this preset. */
  requires: z.looseObject({ customNodes: z.array(z.unknown()) }),
  /** The preset's own limit on one attempt's run time (ms; null: no limit); absent: its kind's limit applies. */
  timeout: z.number().int().nullable().optional(),
});
export type PresetSummary = z.infer<typeof presetSummarySchema>;

/** A preset in GET /presets: its current version and how many versions it has. */
export const presetInfoSchema = presetSummarySchema.extend({ versions: z.number().int() });
export type PresetInfo = z.infer<typeof presetInfoSchema>;

export const presetProblemSchema = z.looseObject({ source: z.string(), name: z.string().nullable(), message: z.string() });

export const presetListSchema = z.strictObject({
  presets: z.array(presetInfoSchema),
  problems: z.array(presetProblemSchema),
});
export type PresetList = z.infer<typeof presetListSchema>;
