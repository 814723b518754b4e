// Tidies what a crash leaves in storage: a removal cut short between moving an object aside and
// deleting it (finished, or undone when a row still needs the file), and temp files of uploads
// and job attempts that died. Runs when Media Lab starts and then periodically; every process on
// the storage may run it, as it only touches entries old enough that no live operation owns them.
// Job state comes from the caller (artifacts sit below jobs): `isJobRunning` answers for a job id.
import type { Knex } from 'knex';
import type { LocalStorage } from './storage.js';
import { jobIdOfTempName } from './temp-dir-name.js';
import { countByStorageKey } from './store.js';

/** Whether the job with this id is running now (its quiet temp folder must stay). */
export type IsJobRunning = (jobId: string) => Promise<boolean>;

export interface JanitorSettings {
  /** A removal this old is no longer in progress (they take milliseconds). */
  removalAgeMs: number;
  /** Temp entries with nothing modified for this long belong to no live upload or job. */
  tempAgeMs: number;
}

export interface JanitorReport {
  restored: number;
  removed: number;
  tempRemoved: number;
}

export const DEFAULT_JANITOR_SETTINGS: JanitorSettings = { removalAgeMs: 10 * 60_000, tempAgeMs: 24 * 3_600_000 };

export async function tidyStorage(
  knex: Knex,
  storage: LocalStorage,
  isJobRunning: IsJobRunning,
  settings: JanitorSettings = DEFAULT_JANITOR_SETTINGS,
  now = Date.now(),
): Promise<JanitorReport> {
  const report: JanitorReport = { restored: 0, removed: 0, tempRemoved: 0 };
  for (const entry of await storage.interruptedRemovals(settings.removalAgeMs, now)) {
    const referenced = (await countByStorageKey(knex, entry.storageKey)) > 0;
    const outcome = await storage.settleRemoval(entry, referenced);
    if (outcome === 'restored') report.restored++;
    else report.removed++;
  }
  report.tempRemoved = await storage.removeStaleTemp(settings.tempAgeMs, now, (name) => isRunningJobFolder(isJobRunning, name));
  return report;
}

/** A job waiting a long time on a busy backend may leave its temp folder untouched for a day. */
async function isRunningJobFolder(isJobRunning: IsJobRunning, name: string): Promise<boolean> {
  const jobId = jobIdOfTempName(name);
  return jobId ? isJobRunning(jobId) : false;
}

/** Runs tidyStorage now and every `intervalMs`, logging what it did; never keeps the process alive. */
export class StorageJanitor {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly knex: Knex,
    private readonly storage: LocalStorage,
    private readonly isJobRunning: IsJobRunning,
    private readonly intervalMs: number,
    private readonly log: Pick<Console, 'info' | 'error'>,
  ) {}

  start(): void {
    if (this.timer) return;
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  runOnce(): Promise<void> {
    this.running ??= tidyStorage(this.knex, this.storage, this.isJobRunning)
      .then((report) => {
        if (report.restored + report.removed + report.tempRemoved === 0) return;
        this.log.info(`[media-lab] storage janitor: ${report.restored} interrupted removal(s) undone, ${report.removed} finished, ${report.tempRemoved} stale temp entr${report.tempRemoved === 1 ? 'y' : 'ies'} removed`);
      })
      .catch((error: unknown) => this.log.error(`[media-lab] storage janitor failed: ${(error as Error).message}`))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }
}
