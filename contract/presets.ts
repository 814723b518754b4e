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
  /** Script presets: the script option the value is passed as (`--blend_factor3`). */
  option: z.string().optional(),
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
  /** Script presets (ComfyUI-SaveAsScript exports, run by the script executor): the script file and its SHA-256. */
  script: z.strictObject({ file: z.string(), sha256: z.string(), options: z.array(z.string()) }).optional(),
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

/** GET /presets/:name/versions: every version, oldest first. */
export const presetVersionsSchema = z.strictObject({ name: z.string(), versions: z.array(presetSummarySchema) });
export type PresetVersions = z.infer<typeof presetVersionsSchema>;

/** A field that differs between two versions (absent on a side where it is not set). */
const fieldChangeSchema = z.strictObject({ from: jsonValueSchema.optional(), to: jsonValueSchema.optional() });
const nodeRefSchema = z.strictObject({ id: z.string(), classType: z.string() });

/** GET /presets/:name/diff?from=&to= */
export const presetDiffSchema = z.strictObject({
  name: z.string(),
  from: z.strictObject({ version: z.number().int(), hash: z.string() }),
  to: z.strictObject({ version: z.number().int(), hash: z.string() }),
  kind: fieldChangeSchema.nullable(),
  parameters: z.strictObject({
    added: z.array(z.string()),
    removed: z.array(z.string()),
    changed: z.array(z.strictObject({ name: z.string(), fields: z.record(z.string(), fieldChangeSchema) })),
  }),
  nodes: z.strictObject({
    added: z.array(nodeRefSchema),
    removed: z.array(nodeRefSchema),
    changed: z.array(nodeRefSchema.extend({ classChanged: fieldChangeSchema.optional(), inputs: z.record(z.string(), fieldChangeSchema) })),
  }),
  outputs: fieldChangeSchema.nullable(),
  timeout: fieldChangeSchema.nullable(),
});
export type PresetDiffAnswer = z.infer<typeof presetDiffSchema>;

/** POST /presets: 201 with the new version, 200 with the existing one for the same content. */
export const publishedPresetSchema = presetSummarySchema.extend({
  created: z.boolean(),
  /** True when the parameters were inferred from the workflow (none were given). */
  inferred: z.boolean(),
});
export type PublishedPreset = z.infer<typeof publishedPresetSchema>;

/** POST /presets: what the ComfyUI editor (or any client) publishes. */
export const publishPresetRequestSchema = z.looseObject({
  name: z.string(),
  kind: z.enum(WORKFLOW_KINDS).optional(),
  /** The ComfyUI workflow in API format (node id -> { class_type, inputs }). */
  workflow: z.record(z.string(), jsonValueSchema),
  description: z.string().optional(),
  order: z.number().int().optional(),
  /** Parameter specs (name, type, targets, ...); inferred from the workflow when absent. */
  parameters: z.array(z.record(z.string(), jsonValueSchema)).optional(),
  derived: z.array(z.record(z.string(), jsonValueSchema)).optional(),
  outputs: z.array(z.string()).optional(),
  requires: z.record(z.string(), jsonValueSchema).optional(),
  timeout: z.union([z.string(), z.number(), z.null()]).optional(),
});
