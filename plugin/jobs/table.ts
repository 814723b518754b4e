// The media_jobs table: its name lives here and only plugin/jobs/ queries it.
import type { Knex } from 'knex';

export type Db = Knex | Knex.Transaction;
export const JOBS = 'media_jobs';
