// What the storage janitor (plugin/artifacts/janitor.ts, below this layer) needs to know about
// jobs: which run now, which may still use their work folder, and since when jobs have run.
import type { JanitorJobs } from '../artifacts/janitor.js';
import { JOBS, type Db } from './table.js';

export function janitorJobs(db: Db): JanitorJobs {
  const statusOf = async (id: string) => ((await db(JOBS).select('status').where({ id }).first()) as { status: string } | undefined)?.status ?? null;
  return {
    isRunning: async (id) => (await statusOf(id)) === 'RUNNING',
    mayUseWorkFolder: async (id) => {
      const status = await statusOf(id);
      return status === 'RUNNING' || status === 'QUEUED';
    },
    earliestRunningStart: async () => {
      const row = (await db(JOBS).where('status', 'RUNNING').min({ at: 'started_at' }).first()) as { at: unknown } | undefined;
      if (!row?.at) return null;
      return new Date(row.at instanceof Date ? row.at : String(row.at)).getTime();
    },
  };
}
