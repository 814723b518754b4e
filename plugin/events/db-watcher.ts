// Workers in other processes (`media-lab worker`, a second server) change jobs in the shared
// database; a short poll on the jobs' updated_at turns their changes into bus events here, so
// this process's WebSocket clients see every job, whoever runs it.
import type { Knex } from 'knex';
import { jobsChangedSince } from '../jobs/store.js';
import type { JobProgressEvent, LabEventBus } from './bus.js';
import type { Job, JobStatus } from '../core/types.js';

export class DatabaseChangeWatcher {
  private timer: NodeJS.Timeout | null = null;
  private since = new Date().toISOString();
  // What this process already told its listeners, so in-process changes are not echoed and a
  // late database read never moves progress backwards.
  private readonly lastStatus = new Map<string, JobStatus>();
  private readonly lastProgress = new Map<string, number>();
  private readonly onUpdated = (job: Job) => {
    this.lastStatus.set(job.id, job.status);
    this.lastProgress.set(job.id, job.progress);
  };
  private readonly onProgress = (event: JobProgressEvent) => {
    this.lastProgress.set(event.id, Math.max(event.progress, this.lastProgress.get(event.id) ?? 0));
  };

  constructor(
    private readonly knex: Knex,
    private readonly bus: LabEventBus,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.timer) return;
    this.bus.on('job.updated', this.onUpdated);
    this.bus.on('job.progress', this.onProgress);
    const tick = async () => {
      try {
        await this.poll();
      } catch {
        // The next tick tries again; a database hiccup must not stop live events for good.
      } finally {
        if (this.timer) this.timer = setTimeout(tick, this.intervalMs);
      }
    };
    this.timer = setTimeout(tick, this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.bus.off('job.updated', this.onUpdated);
    this.bus.off('job.progress', this.onProgress);
  }

  private async poll(): Promise<void> {
    for (const job of await jobsChangedSince(this.knex, this.since, 500)) {
      if (job.updatedAt > this.since) this.since = job.updatedAt;
      const knownStatus = this.lastStatus.get(job.id);
      if (knownStatus !== job.status) {
        this.bus.jobChanged(job);
      } else if (job.progress > (this.lastProgress.get(job.id) ?? 0)) {
        this.bus.emit('job.progress', { id: job.id, progress: job.progress, stage: job.stage, at: job.updatedAt });
      }
    }
    if (this.lastStatus.size > 50_000) {
      this.lastStatus.clear();
      this.lastProgress.clear();
    }
  }
}
