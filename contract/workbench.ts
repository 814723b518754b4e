// The workbench: an admin's editable chain (a draft) plus its runs. Each run of a step is a
// normal job of the step's workflow in the `workbench` lane; a result is fresh while the inputs
// that made it (the upstream results, the step's params and preset, the chain input values)
// still match the draft's current selection, stale otherwise.
import { z } from 'zod';
import { chainInputSchema, chainRefSchema, chainStepSchema, MAX_CHAIN_STEPS } from './chains.js';
import { JOB_STATUSES } from './jobs.js';
import { jobSchema } from './job.js';
import { artifactSchema } from './artifact.js';

/** The priority of every workbench run: below production's default (0). */
export const WORKBENCH_PRIORITY = -5;
/** The lane (media_jobs.lane) of workbench runs. */
export const WORKBENCH_LANE = 'workbench';

/** A chain definition while it is being edited: like a chain, but it may have no steps yet. */
export const draftDefinitionSchema = z
  .object({
    description: z.string().max(4000).optional(),
    inputs: z.array(chainInputSchema).max(32).default([]),
    steps: z.array(chainStepSchema).max(MAX_CHAIN_STEPS).default([]),
    outputs: z.array(chainRefSchema).max(32).optional(),
  })
  .strict();
export type DraftDefinition = z.output<typeof draftDefinitionSchema>;

/** The values of the chain inputs the draft runs with: an artifact id (media) or a value. */
export const draftInputValuesSchema = z.record(z.string(), z.union([z.string().max(4000), z.number()]));

/** POST /workbench/drafts */
export const createDraftSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    definition: draftDefinitionSchema.prefault({}),
    inputValues: draftInputValuesSchema.default({}),
  })
  .strict();
export type CreateDraftRequest = z.input<typeof createDraftSchema>;

/** PUT /workbench/drafts/:id (each field optional; what is sent replaces what was there). */
export const updateDraftSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    definition: draftDefinitionSchema.optional(),
    inputValues: draftInputValuesSchema.optional(),
  })
  .strict();
export type UpdateDraftRequest = z.input<typeof updateDraftSchema>;

/** POST /workbench/drafts/:id/steps/:stepId/run: optionally new params (and preset) first. */
export const runStepSchema = z
  .object({
    params: z.record(z.string(), z.unknown()).optional(),
    preset: chainStepSchema.shape.preset,
    /** false: run it again even when an identical earlier run (same recipe, fixed seed, same input bytes) succeeded. */
    reuse: z.boolean().optional(),
  })
  .strict();
export type RunStepRequest = z.input<typeof runStepSchema>;

/** POST /workbench/drafts/:id/steps/:stepId/select */
export const selectResultSchema = z.object({ jobId: z.string().min(1).max(64) }).strict();

/** POST /workbench/drafts/:id/export */
export const exportDraftSchema = z
  .object({ name: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,199}$/, { message: 'must be lowercase letters, digits, _ . and -' }) })
  .strict();

export const FRESHNESS = ['fresh', 'stale', 'missing'] as const;
export type Freshness = (typeof FRESHNESS)[number];

/** What made a result: the job row holds params, preset version/hash and input artifact ids;
 * the snapshot adds the draft side (the step as written, the upstream results it read). */
export const resultSnapshotSchema = z.strictObject({
  /** The step as the draft had it (params with refs, preset as written, inputs refs). */
  step: z.record(z.string(), z.unknown()),
  /** Upstream step id -> the job whose outputs were read. */
  upstream: z.record(z.string(), z.string()),
  /** Chain input name -> the value read. */
  inputValues: z.record(z.string(), z.union([z.string(), z.number()])),
  /** The artifact ids each ref resolved to, by where it was used (`inputs.image`, `params.reference`). */
  artifacts: z.record(z.string(), z.string()),
});
export type ResultSnapshot = z.infer<typeof resultSnapshotSchema>;

export const draftResultSchema = z.strictObject({
  jobId: z.string(),
  stepId: z.string(),
  createdAt: z.string(),
  status: z.enum(JOB_STATUSES),
  progress: z.number(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  snapshot: resultSnapshotSchema,
  job: jobSchema,
  outputs: z.array(artifactSchema),
  /** Its inputs still match the draft's current selection (same check as the step's). */
  freshness: z.enum(FRESHNESS),
});
export type DraftResult = z.infer<typeof draftResultSchema>;

export const stepStateSchema = z.strictObject({
  stepId: z.string(),
  freshness: z.enum(FRESHNESS),
  /** Why it is stale or missing, in words (e.g. `upstream "enhance" has a newer selection`). */
  reasons: z.array(z.string()),
  selected: draftResultSchema.nullable(),
  /** Newest first. */
  results: z.array(draftResultSchema),
});
export type StepState = z.infer<typeof stepStateSchema>;

export const edgeStateSchema = z.strictObject({
  from: z.string(),
  to: z.string(),
  /** Where the step reads it (`inputs.image`, `params.reference`). */
  at: z.string(),
  freshness: z.enum(FRESHNESS),
});
export type EdgeState = z.infer<typeof edgeStateSchema>;

export const draftRunSchema = z.strictObject({
  /** The step "run to here" aims at; null: the whole draft. */
  target: z.string().nullable(),
  status: z.enum(['running', 'succeeded', 'failed']),
  /** Who started it (its jobs are submitted as this admin). */
  actor: z.string(),
  error: z.string().nullable(),
  /** The jobs this run submitted. */
  jobIds: z.array(z.string()),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type DraftRun = z.infer<typeof draftRunSchema>;

export const draftSummarySchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  owner: z.string(),
  steps: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DraftSummary = z.infer<typeof draftSummarySchema>;

export const draftSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  owner: z.string(),
  definition: z.record(z.string(), z.unknown()),
  inputValues: z.record(z.string(), z.union([z.string(), z.number()])),
  /** Step id -> the selected result's job id. */
  selections: z.record(z.string(), z.string()),
  steps: z.array(stepStateSchema),
  edges: z.array(edgeStateSchema),
  run: draftRunSchema.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Draft = z.infer<typeof draftSchema>;

export const draftListSchema = z.strictObject({ items: z.array(draftSummarySchema) });

export const exportResultSchema = z.strictObject({
  name: z.string(),
  version: z.number().int(),
  hash: z.string(),
  created: z.boolean(),
});
export type ExportResult = z.infer<typeof exportResultSchema>;
