// When workers run in other processes, their changes reach this process's WebSocket clients
// through the database: a short poll on media_jobs.updated_at turns rows into bus events.
import type { Knex } from 'knex';
import { jobFromRow, type Row } from '../core/rows.js';
import type { LabEventBus } from './bus.js';
import type { Job } from '../core/types.js';

export class DatabaseChangeWatcher {
  private timer: NodeJS.Timeout | null = null;
  private since = new Date().toISOString();
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly knex: Knex,
    private readonly bus: LabEventBus,
    private readonly intervalMs: number,
  ) {
    // Changes made in this process are already on the bus: remember them to avoid echoes.
    bus.on('job.updated', (job: Job) => this.seen.set(job.id, `${job.status}|${job.updatedAt}|${job.progress}`));
  }

  start(): void {
    if (this.timer) return;
    const tick = async () => {
      try {
        await this.poll();
      } finally {
        if (this.timer) this.timer = setTimeout(tick, this.intervalMs);
      }
    };
    this.timer = setTimeout(tick, this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async poll(): Promise<void> {
    const rows = (await this.knex('media_jobs').where('updated_at', '>=', this.since).orderBy('updated_at').limit(500)) as Row[];
    for (const row of rows) {
      const job = jobFromRow(row);
      const signature = `${job.status}|${job.updatedAt}|${job.progress}`;
      if (this.seen.get(job.id) === signature) continue;
      const previous = this.seen.get(job.id);
      this.seen.set(job.id, signature);
      if (previous && previous.split('|')[0] === job.status) {
        this.bus.emit('job.progress', { id: job.id, progress: job.progress, stage: job.stage, at: job.updatedAt });
      } else {
        this.bus.jobChanged(job);
      }
      if (job.updatedAt > this.since) this.since = job.updatedAt;
    }
    if (this.seen.size > 10_000) this.seen.clear();
  }
}
