// The media_jobs table: its name lives here and only plugin/jobs/ queries it.
import type { Knex } from 'knex';

export type Db = Knex | Knex.Transaction;
export const JOBS = 'media_jobs';

/**
 * The run_after of a chain step that waits for its upstream steps: QUEUED, but never due, so no
 * worker claims it until the chain engine releases it (run_after = now, in one guarded write).
 */
export const WAITING_RUN_AFTER = '9999-12-31T00:00:00.000Z';
/** Any run_after from here on is a waiting step's. */
export const WAITING_FROM = '9999-01-01T00:00:00.000Z';
