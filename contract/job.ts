// A job as the API and the WebSocket send it. The server's own Job (plugin/core/types.ts)
// extends this with the fields that never leave it (lease, run-after, idempotency key,
// checkpoint); plugin/http/views.ts's jobView() picks the wire fields.
import { z } from 'zod';
import { JOB_SOURCES, JOB_STATUSES, JOB_WORKFLOWS } from './jobs.js';
import { jsonObjectSchema } from './json.js';
import { artifactSchema } from './artifact.js';

/** The preset version a job ran with (resolved at submit time). */
export const presetRefSchema = z.object({
  name: z.string(),
  version: z.number().int().nullable(),
  hash: z.string().nullable(),
});
export type PresetRef = z.infer<typeof presetRefSchema>;

const nullableString = z.string().nullable();

/** Strict: a field the server forgot to keep to itself fails the parse. */
export const jobSchema = z.strictObject({
  id: z.string(),
  /** One of the six kinds, or `chain` (its steps are jobs with `parentJobId` = its id). */
  workflow: z.enum(JOB_WORKFLOWS),
  preset: presetRefSchema.nullable(),
  params: jsonObjectSchema,
  inputIds: z.array(z.string()),
  status: z.enum(JOB_STATUSES),
  progress: z.number(),
  stage: nullableString,
  priority: z.number().int(),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  cancelRequestedAt: nullableString,
  errorCode: nullableString,
  errorMessage: nullableString,
  submittedBy: z.string(),
  source: z.enum(JOB_SOURCES),
  sourceRef: nullableString,
  backend: nullableString,
  /** A chain step: the chain job it belongs to and its step id in the chain definition. */
  parentJobId: nullableString,
  stepId: nullableString,
  /** A step that ran nothing: the earlier successful job whose outputs it reused. */
  reusedFromJobId: nullableString,
  /** The lane the job runs in when not its kind's own (`workbench`); null: its kind's lane. */
  lane: nullableString,
  createdAt: z.string(),
  startedAt: nullableString,
  finishedAt: nullableString,
  updatedAt: z.string(),
});
export type Job = z.infer<typeof jobSchema>;

/** GET /jobs/:id: the job with its input and (published) output artifacts. */
export const jobDetailSchema = jobSchema.extend({
  inputs: z.array(artifactSchema),
  outputs: z.array(artifactSchema),
});
export type JobDetail = z.infer<typeof jobDetailSchema>;

/** POST /jobs (202). */
export const submitJobResponseSchema = z.strictObject({
  id: z.string(),
  status: z.enum(JOB_STATUSES),
  job: jobSchema,
});
export type SubmitJobResponse = z.infer<typeof submitJobResponseSchema>;

/** One row of a job's audit trail (GET /jobs/:id/events). */
export const auditEventSchema = z.strictObject({
  id: z.number().int(),
  jobId: z.string(),
  at: z.string(),
  actor: z.string(),
  type: z.string(),
  from: z.enum(JOB_STATUSES).nullable(),
  to: z.enum(JOB_STATUSES).nullable(),
  details: jsonObjectSchema,
});
export type AuditEvent = z.infer<typeof auditEventSchema>;
