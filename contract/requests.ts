// What callers send: the submit body and the list queries, validated by the server with these
// schemas and described by the OpenAPI document from them.
import { z } from 'zod';
import { JOB_SOURCES, JOB_STATUSES, JOB_WORKFLOWS, WORKFLOW_KINDS } from './jobs.js';
import { ARTIFACT_ROLES, MEDIA_KINDS } from './media.js';

/** A preset by name (its current version) or by name and version. */
export const presetRequestSchema = z.union([
  z.string().min(1).max(200),
  z.object({ name: z.string().min(1).max(200), version: z.number().int().min(1).optional() }),
]);

/** POST /jobs */
export const submitJobSchema = z.object({
  /** A kind, or `chain` with `preset` naming a chain preset (its inputs by name in `params`, or media inputs in order in `inputs`). */
  workflow: z.enum(JOB_WORKFLOWS),
  preset: presetRequestSchema.optional(),
  params: z.record(z.string(), z.unknown()).default({}),
  inputs: z.array(z.string().min(1).max(64)).max(16).default([]),
  priority: z.number().int().min(-10).max(10).default(0),
  maxAttempts: z.number().int().min(1).max(20).optional(),
});
/** What a caller may send (defaults not yet applied). */
export type SubmitJobRequest = z.input<typeof submitJobSchema>;

/** `a,b,c` -> ['a', 'b', 'c'], each one of `values`. */
const csv = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)));

const cursorPaging = {
  cursor: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
};

/** GET /jobs */
export const listJobsQuery = z.object({
  status: csv(JOB_STATUSES).optional(),
  workflow: csv(JOB_WORKFLOWS).optional(),
  source: z.enum(JOB_SOURCES).optional(),
  /** The steps of one chain job. */
  parentJobId: z.string().max(64).optional(),
  submittedBy: z.string().max(200).optional(),
  ...cursorPaging,
});
export type JobFilters = z.output<typeof listJobsQuery>;

/** GET /artifacts */
export const listArtifactsQuery = z.object({
  kind: csv(MEDIA_KINDS).optional(),
  role: csv(ARTIFACT_ROLES).optional(),
  jobId: z.string().max(64).optional(),
  /** Outputs of jobs of these kinds: `workflow=generate,blend`. */
  workflow: csv(WORKFLOW_KINDS).optional(),
  /** `true`: only stale artifacts (made with a superseded preset version or a changed model); `false`: only fresh ones. */
  stale: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  ...cursorPaging,
});
export type ArtifactFilters = z.output<typeof listArtifactsQuery>;

/** GET /artifacts/:id/thumbnail?size= (pixels of the longer side). */
export const thumbnailSizeQuery = z.coerce.number().int().min(16).max(1024).default(256);
