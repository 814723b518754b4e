// Lineage across jobs: why an artifact is stale, and its provenance graph back to the uploads
// (GET /artifacts/:id/provenance). Staleness is computed when read (see plugin/lineage/staleness.ts).
import { z } from 'zod';
import { JOB_SOURCES, JOB_STATUSES, JOB_WORKFLOWS } from './jobs.js';
import { ARTIFACT_ROLES, MEDIA_KINDS } from './media.js';
import { jsonObjectSchema } from './json.js';

/**
 * Why a step's outputs are stale: a newer version of its preset was published
 * (`PRESET_SUPERSEDED`), the model file behind its preset changed (`MODEL_CHANGED`), or the
 * chain preset it ran in was superseded (`CHAIN_SUPERSEDED`, for chain steps).
 */
export const STALE_CODES = ['PRESET_SUPERSEDED', 'MODEL_CHANGED', 'CHAIN_SUPERSEDED'] as const;
export type StaleCode = (typeof STALE_CODES)[number];

export const staleReasonSchema = z.strictObject({
  code: z.enum(STALE_CODES),
  /** A sentence: `preset "txt2img" v1 was superseded by v2`. */
  message: z.string(),
  /** The job (step) that is stale; refresh regenerates from it. */
  jobId: z.string(),
  /** What the job recorded and what is current now (`v1` / `v2`, or model hashes). */
  recorded: z.string().nullable(),
  current: z.string().nullable(),
});
export type StaleReason = z.infer<typeof staleReasonSchema>;

/** A model a step loaded. ComfyUI reports only file names; sizes and hashes are null there. */
export const modelRefSchema = z.strictObject({
  /** checkpoint, lora, vae, clip, upscaler, interpolator, tts, model */
  role: z.string(),
  name: z.string(),
  /** Where it came from: an npm package and version, a custom file, a ComfyUI loader node. */
  source: z.string().nullable(),
  sha256: z.string().nullable(),
  bytes: z.number().int().nullable(),
});
export type ModelRef = z.infer<typeof modelRefSchema>;

const nullableString = z.string().nullable();
const nullableNumber = z.number().nullable();

/** One artifact of the graph (the asked one, its ancestors back to the uploads). */
export const provenanceArtifactSchema = z.strictObject({
  id: z.string(),
  kind: z.enum(MEDIA_KINDS),
  role: z.enum(ARTIFACT_ROLES),
  sha256: z.string(),
  bytes: z.number().int(),
  mime: z.string(),
  /** The job that made it; null for an upload. */
  jobId: nullableString,
  parentIds: z.array(z.string()),
  createdBy: nullableString,
  createdAt: z.string(),
  contentUrl: z.string(),
  thumbnailUrl: nullableString,
});
export type ProvenanceArtifact = z.infer<typeof provenanceArtifactSchema>;

/** One step of the graph: the job that made some of its artifacts, with everything it ran with. */
export const provenanceStepSchema = z.strictObject({
  jobId: z.string(),
  workflow: z.enum(JOB_WORKFLOWS),
  status: z.enum(JOB_STATUSES),
  /** Who submitted it. */
  actor: z.string(),
  source: z.enum(JOB_SOURCES),
  preset: z.strictObject({ name: z.string(), version: z.number().int().nullable(), hash: nullableString }).nullable(),
  models: z.array(modelRefSchema),
  /** The seed it ran with (ComfyUI presets with a seed parameter), else null. */
  seed: z.union([z.number(), z.string()]).nullable(),
  params: jsonObjectSchema,
  /** Its inputs by artifact id with their content hashes (null when the artifact was pruned). */
  inputs: z.array(z.strictObject({ artifactId: z.string(), sha256: nullableString })),
  /** The artifacts of the graph it made. */
  outputs: z.array(z.string()),
  /** ComfyUI backend, `sharp`, `onnxruntime:cpu`, ffmpeg... */
  backend: nullableString,
  /** What the executor recorded about its engine (enhance: engine, kernel, tiles; interpolate: mode, encoder). */
  engine: jsonObjectSchema,
  timings: z.strictObject({
    submittedAt: z.string(),
    startedAt: nullableString,
    finishedAt: nullableString,
    queuedMs: nullableNumber,
    runMs: nullableNumber,
  }),
  attempts: z.number().int(),
  /** `reused`: a chain step that took an earlier identical run's outputs (reusedFromJobId). */
  run: z.enum(['ran', 'reused']),
  reusedFromJobId: nullableString,
  /** Chain steps: the chain job and the step id. */
  chainJobId: nullableString,
  stepId: nullableString,
  stale: z.boolean(),
  staleReason: staleReasonSchema.nullable(),
});
export type ProvenanceStep = z.infer<typeof provenanceStepSchema>;

/** GET /artifacts/:id/provenance */
export const provenanceSchema = z.strictObject({
  artifactId: z.string(),
  /** The asked artifact first, then its ancestors, nearest first, back to the uploads. */
  artifacts: z.array(provenanceArtifactSchema),
  /** The jobs that made them, the asked artifact's job first. */
  steps: z.array(provenanceStepSchema),
  /** Some step of the graph is stale. */
  stale: z.boolean(),
  /** The walk stopped at its bound (deep or wide graphs); what is listed is exact. */
  truncated: z.boolean(),
});
export type Provenance = z.infer<typeof provenanceSchema>;
