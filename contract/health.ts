// GET /health: 200 when the database answers, 503 when it does not. Installed pipelines add
// their own sections (comfy backends, enhance presets), so the object is open.
import { z } from 'zod';
import { JOB_STATUSES, WORKFLOW_KINDS } from './jobs.js';

export const healthSchema = z.looseObject({
  ok: z.boolean(),
  database: z.object({ ok: z.boolean(), latencyMs: z.number().optional(), error: z.string().optional() }),
  /** Jobs by status; null while the database is unreachable. */
  queue: z.record(z.enum(JOB_STATUSES), z.number()).nullable(),
  workers: z.object({
    live: z.number().int(),
    ids: z.array(z.string()),
    /** The worker inside this process, if it runs one. */
    local: z.object({ id: z.string(), running: z.number().int() }).nullable(),
  }),
  /** Per kind: can its jobs run here now, and when not, why and what to do (the same as GET /kinds). */
  executors: z.partialRecord(
    z.enum(WORKFLOW_KINDS),
    z.object({ available: z.boolean(), description: z.string(), reason: z.string().optional(), fix: z.string().optional() }),
  ),
});
export type Health = z.infer<typeof healthSchema>;
