// RFC 9457 problem+json: how every Media Lab error is sent. Clients read `code` (a stable
// ErrorCode) and `errors` (the offending fields), never the text.
import { z } from 'zod';
import { ERROR_CODES, type FieldIssue } from './errors.js';
import { JOB_STATUSES } from './jobs.js';

export const fieldIssueSchema = z.object({
  /** Dotted path of the offending field, e.g. `params.targetFps` or `inputs[0]`. */
  field: z.string(),
  message: z.string(),
}) satisfies z.ZodType<FieldIssue>;

export const problemSchema = z.object({
  type: z.string().optional(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  /** Always present: what clients switch on. */
  code: z.enum(ERROR_CODES),
  /** What to do next, from the contract's advice table (the one the web components show). */
  advice: z.string().optional(),
  errors: z.array(fieldIssueSchema).optional(),
  /** 409: the job's status that made the transition illegal. */
  currentStatus: z.enum(JOB_STATUSES).optional(),
  /** 429: seconds to wait (also in the Retry-After header). */
  retryAfter: z.number().optional(),
});
export type Problem = z.infer<typeof problemSchema>;
