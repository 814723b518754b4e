// Retention on a schedule: every `every`, one sweep that removes artifacts past retention (or,
// in a dry run, only reports what would go), with its summary in the log. The first sweep comes
// one `every` after start; a sweep never overlaps the next; the timer never keeps the process
// alive. A lab sweeps its own artifacts (labRetentionSweep); the prompt-queue adapter, which knows
// the prompt tables, widens the sweep through sweepWith().
import type { MediaLabOptions, RETENTION_SCOPES } from '../options.js';
import type { Knex } from 'knex';
import { durationMs } from '../core/duration.js';
import { pruneLabArtifacts, type JobReferences } from './retention.js';
import type { LocalStorage } from './storage.js';

export type RetentionScope = (typeof RETENTION_SCOPES)[number];

export interface RetentionSettings {
  olderThanMs: number;
  everyMs: number;
  scope: RetentionScope;
  dryRun: boolean;
}

/** Removes (or with dryRun, counts) what is older than olderThanMs; returns the report's text. */
export type RetentionSweep = (request: { olderThanMs: number; scope: RetentionScope; dryRun: boolean }) => Promise<string>;

export interface RetentionRun {
  at: string;
  dryRun: boolean;
  /** The sweep's report; absent when it failed or nothing could sweep. */
  summary?: string;
  error?: string;
}

type Log = Pick<Console, 'info' | 'warn' | 'error'>;

const seconds = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`);

export class RetentionSchedule {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<RetentionRun> | null = null;
  private sweep: RetentionSweep | null = null;
  private readonly listeners = new Set<(run: RetentionRun) => void>();

  constructor(
    readonly settings: RetentionSettings,
    private readonly log: Log,
  ) {}

  /** Sets what a run does (the latest call wins: the prompt-queue adapter adds its own artifacts). */
  sweepWith(sweep: RetentionSweep): void {
    this.sweep = sweep;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.runOnce(), this.settings.everyMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Calls `listener` after every run; returns the function that removes it. */
  onRun(listener: (run: RetentionRun) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The next run to finish. */
  nextRun(): Promise<RetentionRun> {
    return new Promise((done) => {
      const off = this.onRun((run) => {
        off();
        done(run);
      });
    });
  }

  /** One sweep now (joins the one in progress, if any). */
  runOnce(): Promise<RetentionRun> {
    this.running ??= this.sweepOnce().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async sweepOnce(): Promise<RetentionRun> {
    const { olderThanMs, scope, dryRun } = this.settings;
    const run: RetentionRun = { at: new Date().toISOString(), dryRun };
    if (!this.sweep) {
      run.error = 'nothing to sweep with (no prune logic was given to the retention schedule)';
      this.log.warn(`[media-lab] retention: ${run.error}`);
    } else {
      try {
        run.summary = await this.sweep({ olderThanMs, scope, dryRun });
        this.log.info(`[media-lab] retention (scope ${scope}, every ${seconds(this.settings.everyMs)}): ${run.summary}`);
      } catch (error) {
        run.error = (error as Error).message;
        this.log.error(`[media-lab] retention failed: ${run.error}`);
      }
    }
    for (const listener of [...this.listeners]) listener(run);
    return run;
  }
}

/** The schedule for the lab's `retention` option (validated by the options schema); null when it is off. */
export function retentionScheduleOf(option: MediaLabOptions['retention'], log: Log): RetentionSchedule | null {
  if (!option) return null;
  return new RetentionSchedule({ olderThanMs: durationMs(option.olderThan)!, everyMs: durationMs(option.every)!, scope: option.scope, dryRun: option.dryRun }, log);
}

/**
 * The sweep a lab runs on its own: Media Lab's artifacts only (job state injected, since
 * artifacts sit below jobs). The prompt-queue adapter replaces it with one that covers the
 * prompt artifacts too; `scope: 'prompts'` without an adapter has nothing to sweep.
 */
export function labRetentionSweep(knex: Knex, storage: LocalStorage, jobs: JobReferences): RetentionSweep {
  return async ({ olderThanMs, scope, dryRun }) => {
    if (scope === 'prompts') return 'scope is prompts, and no prompt queue runs in this process: nothing to sweep';
    const cutoff = new Date(Date.now() - olderThanMs).toISOString();
    const r = await pruneLabArtifacts({ knex, storage, jobs, cutoff, dryRun });
    const verb = dryRun ? 'would remove' : 'removed';
    return `Media Lab artifacts created before ${cutoff}: ${verb} ${r.rows} rows, ${r.files} files, ${r.bytes} bytes; kept ${r.keptReferenced} still referenced and ${r.keptSources} uploaded sources`;
  };
}
