// Tidies what a crash leaves in storage: a removal cut short between moving an object aside and
// deleting it (finished, or undone when a row still needs the file), temp files of uploads and
// job attempts that died, work folders of jobs that ended while their worker died, and objects
// no row refers to (a worker killed between placing an output and writing its row). Runs when
// Media Lab starts and then periodically; every process on the storage may run it, as it only
// touches entries old enough that no live operation owns them.
// Job state comes from the caller (artifacts sit below jobs): see JanitorJobs.
import type { Knex } from 'knex';
import type { LocalStorage } from './storage.js';
import { jobIdOfTempName } from './temp-dir-name.js';
import { countByStorageKey } from './store.js';
import { removeIfUnreferenced } from './unreferenced.js';

/** Whether the job with this id is running now (its quiet temp folder must stay). */
export type IsJobRunning = (jobId: string) => Promise<boolean>;

/** What the janitor needs to know about jobs. */
export interface JanitorJobs {
  isRunning: IsJobRunning;
  /** Whether the job may still use its work folder: it is queued or running (a later attempt resumes from it). */
  mayUseWorkFolder(jobId: string): Promise<boolean>;
  /** When the earliest job running now first started (ms since the epoch); null when none runs. */
  earliestRunningStart(): Promise<number | null>;
}

export interface JanitorSettings {
  /** A removal this old is no longer in progress (they take milliseconds). */
  removalAgeMs: number;
  /** Temp entries with nothing modified for this long belong to no live upload or job. */
  tempAgeMs: number;
  /** A work folder of a finished job, with nothing modified for this long, is left over. */
  workAgeMs: number;
  /**
   * An object without a row, placed this long ago, is an orphan (no upload or output takes this
   * long between placing its file and writing its row). At least twice the lease: an attempt
   * frozen longer than its lease can no longer write the row.
   */
  orphanAgeMs: number;
}

export interface JanitorReport {
  restored: number;
  removed: number;
  tempRemoved: number;
  workRemoved: number;
  orphansRemoved: number;
}

export const DEFAULT_JANITOR_SETTINGS: JanitorSettings = { removalAgeMs: 10 * 60_000, tempAgeMs: 24 * 3_600_000, workAgeMs: 10 * 60_000, orphanAgeMs: 3_600_000 };

/** The default settings for a lab whose leases last `leaseMs`: orphans wait the larger of twice the lease and an hour. */
export function janitorSettingsFor(leaseMs: number, orphanAgeMs?: number): JanitorSettings {
  return { ...DEFAULT_JANITOR_SETTINGS, orphanAgeMs: orphanAgeMs ?? Math.max(2 * leaseMs, DEFAULT_JANITOR_SETTINGS.orphanAgeMs) };
}

export async function tidyStorage(
  knex: Knex,
  storage: LocalStorage,
  jobs: JanitorJobs,
  settings: JanitorSettings = DEFAULT_JANITOR_SETTINGS,
  now = Date.now(),
): Promise<JanitorReport> {
  const report: JanitorReport = { restored: 0, removed: 0, tempRemoved: 0, workRemoved: 0, orphansRemoved: 0 };
  for (const entry of await storage.interruptedRemovals(settings.removalAgeMs, now)) {
    const referenced = (await countByStorageKey(knex, entry.storageKey)) > 0;
    const outcome = await storage.settleRemoval(entry, referenced);
    if (outcome === 'restored') report.restored++;
    else report.removed++;
  }
  report.tempRemoved = await storage.removeStaleTemp(settings.tempAgeMs, now, (name) => isRunningJobFolder(jobs.isRunning, name));
  report.workRemoved = await storage.removeStaleWork(settings.workAgeMs, now, (jobId) => jobs.mayUseWorkFolder(jobId));
  report.orphansRemoved = await removeOrphanObjects(knex, storage, jobs, settings.orphanAgeMs, now);
  return report;
}

/**
 * Removes objects no row refers to: placed at least `olderThanMs` ago, and before every job
 * running now started (a running attempt may be between placing its output and writing its
 * row). Each goes through removeUnreferenced: moved aside, rows counted again, put back if a
 * row appeared (an upload or output of the same bytes recorded meanwhile).
 */
async function removeOrphanObjects(knex: Knex, storage: LocalStorage, jobs: JanitorJobs, olderThanMs: number, now: number): Promise<number> {
  const earliestRunning = await jobs.earliestRunningStart();
  const placedBefore = Math.min(now - olderThanMs, earliestRunning ?? Number.POSITIVE_INFINITY);
  let removed = 0;
  for (const storageKey of await storage.objectsPlacedBefore(placedBefore)) {
    if (await removeIfUnreferenced(knex, storage, storageKey)) removed++;
  }
  return removed;
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
    private readonly jobs: JanitorJobs,
    private readonly intervalMs: number,
    private readonly log: Pick<Console, 'info' | 'error'>,
    private readonly settings: JanitorSettings = DEFAULT_JANITOR_SETTINGS,
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
    this.running ??= tidyStorage(this.knex, this.storage, this.jobs, this.settings)
      .then((report) => {
        if (report.restored + report.removed + report.tempRemoved + report.workRemoved + report.orphansRemoved === 0) return;
        this.log.info(
          `[media-lab] storage janitor: ${report.restored} interrupted removal(s) undone, ${report.removed} finished, ${report.tempRemoved} stale temp entr${report.tempRemoved === 1 ? 'y' : 'ies'} removed, ` +
            `${report.workRemoved} work folder(s) of finished jobs removed, ${report.orphansRemoved} object(s) without a row removed`,
        );
      })
      .catch((error: unknown) => this.log.error(`[media-lab] storage janitor failed: ${(error as Error).message}`))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }
}
