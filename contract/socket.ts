// What the WebSocket at <mount>/events sends: a hello, then job.updated / job.progress /
// job.finished as they happen (for every job, or the ones the client subscribed to), and
// alert / alert.cleared (contract/alerts.ts) to every client.
import { z } from 'zod';
import { jobSchema } from './job.js';
import type { LabAlert } from './alerts.js';

export const SOCKET_EVENTS = ['job.updated', 'job.progress', 'job.finished', 'alert', 'alert.cleared'] as const;

export const labAlertSchema = z.strictObject({
  id: z.string(),
  scope: z.enum(['kind', 'backend']),
  subject: z.string(),
  consecutiveFailures: z.number().int(),
  lastErrorCode: z.string().nullable(),
  lastJobId: z.string(),
  reason: z.string(),
  since: z.string(),
}) satisfies z.ZodType<LabAlert>;

export const jobProgressSchema = z.strictObject({
  id: z.string(),
  /** 0..1 */
  progress: z.number(),
  stage: z.string().nullable(),
  at: z.string(),
});
export type JobProgress = z.infer<typeof jobProgressSchema>;

export const labSocketMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('hello'), user: z.string(), events: z.array(z.string()) }),
  z.strictObject({ type: z.literal('subscribed'), jobIds: z.union([z.array(z.string()), z.literal('all')]) }),
  z.strictObject({ type: z.literal('job.updated'), job: jobSchema }),
  z.strictObject({ type: z.literal('job.finished'), job: jobSchema }),
  jobProgressSchema.extend({ type: z.literal('job.progress') }),
  z.strictObject({ type: z.literal('alert'), alert: labAlertSchema }),
  z.strictObject({ type: z.literal('alert.cleared'), alert: labAlertSchema, clearedBy: z.string() }),
  z.strictObject({ type: z.literal('pong') }),
  z.strictObject({ type: z.literal('error'), detail: z.string() }),
]);
export type LabSocketMessage = z.infer<typeof labSocketMessageSchema>;
