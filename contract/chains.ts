// Chains: named inputs and steps, each step a job of one workflow kind whose inputs and media
// params come from a chain input or an earlier step's output. The shape is checked here with zod;
// the graph (unknown references, cycles, type mismatches, params a kind or preset rejects) is
// checked by the server, which answers 422 naming the path (`steps[2].inputs.image`).
import { z } from 'zod';
import { WORKFLOW_KINDS, type WorkflowKind } from './jobs.js';
import type { MediaKind } from './media.js';

export const MAX_CHAIN_STEPS = 32;

/** The types a chain input may have. */
export const CHAIN_INPUT_TYPES = ['image', 'video', 'audio', 'text', 'number', 'integer'] as const;
export type ChainInputType = (typeof CHAIN_INPUT_TYPES)[number];

/** The media a step of each kind makes (its `output`). */
export const STEP_OUTPUT_KIND: Record<WorkflowKind, MediaKind> = {
  generate: 'image',
  blend: 'image',
  enhance: 'image',
  interpolate: 'video',
  music: 'audio',
  voice: 'audio',
};

const STEP_ID = /^[a-z][a-z0-9_-]{0,39}$/;

/**
 * Where a value comes from: `inputs.<name>` (a chain input) or `<stepId>.output` (a step's
 * outputs; `index` picks one when a step makes several, default 0).
 */
export const chainRefSchema = z
  .object({
    from: z.string().regex(/^(inputs\.[A-Za-z_][A-Za-z0-9_-]{0,63}|[a-z][a-z0-9_-]{0,39}\.output)$/, {
      message: 'must be "inputs.<name>" or "<step id>.output"',
    }),
    index: z.number().int().min(0).max(63).optional(),
  })
  .strict();
export type ChainRef = z.infer<typeof chainRefSchema>;

export function isChainRef(value: unknown): value is ChainRef {
  return chainRefSchema.safeParse(value).success;
}

/** A ref's source: a chain input's name, or a step id. */
export function refSource(ref: ChainRef): { input: string } | { step: string; index: number } {
  const [head, tail] = [ref.from.slice(0, ref.from.indexOf('.')), ref.from.slice(ref.from.indexOf('.') + 1)];
  return head === 'inputs' ? { input: tail } : { step: head, index: ref.index ?? 0 };
}

export const chainInputSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, { message: 'must be a name of letters, digits, _ and -' }),
    type: z.enum(CHAIN_INPUT_TYPES),
    label: z.string().max(200).optional(),
    description: z.string().max(2000).optional(),
    default: z.union([z.string(), z.number()]).optional(),
    required: z.boolean().optional(),
  })
  .strict();
export type ChainInput = z.infer<typeof chainInputSchema>;

/** A step's preset: a name follows the latest version; a version pins one. */
export const chainStepPresetSchema = z.union([
  z.string().min(1).max(200),
  z.object({ name: z.string().min(1).max(200), version: z.number().int().min(1).optional() }).strict(),
]);

export const chainStepSchema = z
  .object({
    id: z.string().regex(STEP_ID, { message: 'must start with a lowercase letter and hold only a-z, 0-9, _ and - (at most 40)' }).refine((id) => id !== 'inputs', { message: '"inputs" names the chain inputs' }),
    workflow: z.enum(WORKFLOW_KINDS),
    preset: chainStepPresetSchema.optional(),
    label: z.string().max(200).optional(),
    /** Params as the kind or preset takes them; a media param may be a ref instead of an artifact id. */
    params: z.record(z.string(), z.unknown()).default({}),
    /** The job's `inputs` (for enhance and interpolate), in key order, each a ref. */
    inputs: z.record(z.string(), chainRefSchema).default({}),
  })
  .strict();
export type ChainStep = z.output<typeof chainStepSchema>;

export const chainDefinitionSchema = z
  .object({
    description: z.string().max(4000).optional(),
    inputs: z.array(chainInputSchema).max(32).default([]),
    steps: z.array(chainStepSchema).min(1).max(MAX_CHAIN_STEPS),
    /** The chain's outputs; by default the outputs of the steps no other step reads. */
    outputs: z.array(chainRefSchema).max(32).optional(),
  })
  .strict();
export type ChainDefinition = z.output<typeof chainDefinitionSchema>;
export type ChainDefinitionInput = z.input<typeof chainDefinitionSchema>;

/** A chain preset's name (the same namespace as ComfyUI presets: a name is one or the other). */
export const chainNameSchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, { message: 'must be letters, digits, _ and -, starting with a letter (at most 64)' });

/** POST /chains: a name and a definition. */
export const publishChainSchema = chainDefinitionSchema.extend({ name: chainNameSchema });
export type PublishChainRequest = z.input<typeof publishChainSchema>;

export const CHAIN_SOURCES = ['shipped', 'file', 'api'] as const;

/** One immutable version of a chain preset. */
export const chainPresetSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  version: z.number().int(),
  /** sha256 of the canonical definition (its description left out). */
  hash: z.string(),
  source: z.enum(CHAIN_SOURCES),
  createdAt: z.string(),
  description: z.string().nullable(),
  definition: chainDefinitionSchema,
});
export type ChainPreset = z.output<typeof chainPresetSchema>;

/** A problem with a chain file (the working version, if any, stays in use). */
export const chainProblemSchema = z.strictObject({ source: z.string(), name: z.string().nullable(), message: z.string(), at: z.string() });

/** GET /chains: the current (latest) version of each chain preset. */
export const chainListSchema = z.strictObject({
  chains: z.array(chainPresetSchema.extend({ versions: z.number().int() })),
  problems: z.array(chainProblemSchema),
});

/** GET /chains/:name/versions */
export const chainVersionsSchema = z.strictObject({ name: z.string(), versions: z.array(chainPresetSchema) });

/** POST /chains: 201 with a new version, 200 with the version that already has this content. */
export const publishChainResponseSchema = chainPresetSchema.extend({ created: z.boolean() });

const fieldChangeSchema = z.strictObject({ from: z.unknown(), to: z.unknown() });

/** GET /chains/:name/diff?from=&to= */
export const chainDiffSchema = z.strictObject({
  name: z.string(),
  from: z.strictObject({ version: z.number().int(), hash: z.string() }),
  to: z.strictObject({ version: z.number().int(), hash: z.string() }),
  inputs: z.strictObject({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.strictObject({ name: z.string(), fields: z.record(z.string(), fieldChangeSchema) })) }),
  steps: z.strictObject({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.strictObject({ id: z.string(), fields: z.record(z.string(), fieldChangeSchema) })) }),
  outputs: fieldChangeSchema.nullable(),
});
export type ChainDiff = z.output<typeof chainDiffSchema>;

/** A step's weight in its chain's progress: roughly how long each kind takes. */
export const STEP_WEIGHT: Record<WorkflowKind, number> = { generate: 4, blend: 4, music: 4, voice: 2, enhance: 1, interpolate: 3 };
