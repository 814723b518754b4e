// What the WebSocket at <mount>/events sends: a hello, then job.updated / job.progress /
// job.finished as they happen (for every job, or the ones the client subscribed to).
import { z } from 'zod';
import { jobSchema } from './job.js';

export const SOCKET_EVENTS = ['job.updated', 'job.progress', 'job.finished'] as const;

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
  z.strictObject({ type: z.literal('pong') }),
  z.strictObject({ type: z.literal('error'), detail: z.string() }),
]);
export type LabSocketMessage = z.infer<typeof labSocketMessageSchema>;
