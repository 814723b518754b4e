// The small manifest next to each exported workflow: name, kind, description, parameters (type,
// default, bounds, the node inputs they set), derived inputs, outputs, required custom nodes.
import { z } from 'zod';
import { PARAMETER_TYPES, type JsonValue } from '../types.js';
import { COMFY_KINDS } from '../../contract/jobs.js';
import { timeLimitSchema } from '../../contract/duration.js';

/** A preset's kind: one of the kinds ComfyUI runs (the list lives in the contract). */
export const PRESET_KINDS = COMFY_KINDS;

const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

const nodeId = z.string().min(1).max(64);

const targetSchema = z.object({ node: nodeId, input: z.string().min(1).max(200) });

const bypassSchema = z.object({
  node: nodeId,
  passthrough: z.record(z.string().regex(/^\d+$/, 'an output slot number'), z.string().min(1)),
});

export const parameterSpecSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'letters, digits and _, starting with a letter'),
    type: z.enum(PARAMETER_TYPES),
    description: z.string().max(2000).optional(),
    default: jsonValue.optional(),
    required: z.boolean().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    step: z.number().positive().optional(),
    options: z.array(z.string()).min(1).optional(),
    randomize: z.boolean().optional(),
    targets: z.array(targetSchema).default([]),
    bypassWhenEmpty: z.array(bypassSchema).optional(),
    /** Script presets: the script option it is passed as (`--blend_factor3`); left out, found by the node input's name. */
    option: z.string().regex(/^--?[A-Za-z0-9][A-Za-z0-9_-]*$/, 'a script option such as --blend_factor3').optional(),
  })
  .superRefine((p, ctx) => {
    if (p.type === 'enum' && !p.options) ctx.addIssue({ code: 'custom', message: 'an enum needs options', path: ['options'] });
    if (p.min !== undefined && p.max !== undefined && p.min > p.max) ctx.addIssue({ code: 'custom', message: 'min is above max', path: ['min'] });
    if ((p.type === 'image' || p.type === 'audio') && p.default !== undefined && p.default !== null) {
      ctx.addIssue({ code: 'custom', message: `a ${p.type} parameter takes an artifact id per job; it has no default`, path: ['default'] });
    }
  });

const derivedSchema = z.object({
  node: nodeId,
  input: z.string().min(1),
  expression: z.string().min(1).max(1000),
  round: z.literal('integer').optional(),
});

const customNodeSchema = z.object({
  classType: z.string().min(1),
  package: z.string().min(1),
  repository: z.string().optional(),
});

/** Parameters as a list, or as a map keyed by name (the POST /presets shape). */
export function parametersAsList(value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>).map(([name, spec]) => ({ ...(spec as object), name }));
  }
  return value;
}

export const manifestSchema = z.object({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'letters, digits, _ . - (up to 100)'),
  kind: z.enum(PRESET_KINDS),
  description: z.string().max(4000).default(''),
  /** Where the preset comes in lists (GET /presets, the job form): lower first; left out, after the ordered ones, by name. */
  order: z.number().int('a whole number').min(-1_000_000).max(1_000_000).optional(),
  /** Left out: inferred from the workflow. */
  parameters: z.preprocess(parametersAsList, z.array(parameterSpecSchema)).optional(),
  derived: z.array(derivedSchema).default([]),
  outputs: z.array(nodeId).default([]),
  requires: z.object({ customNodes: z.array(customNodeSchema).default([]) }).prefault({}),
  /** The longest one attempt may run: ms, "30m", "2h"; 0 or null: no limit. Left out: the kind's limit. */
  timeout: timeLimitSchema.optional(),
});

export type ManifestInput = z.input<typeof manifestSchema>;
