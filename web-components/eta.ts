// The time a running job has left, from its own progress rate: how far it moved since it started
// running (or since this page first saw it move) over the time that took. Computed in the browser
// from the job.progress events (their server `at`), so the wire Job stays as it is. Pure: no DOM.
import type { Job } from '../contract/job.js';

export interface ProgressSample {
  /** ms since the epoch (the server's `at`). */
  at: number;
  /** 0..1 */
  progress: number;
}

/** Too little to go on below these: no estimate rather than a wild one. */
const MIN_SPAN_MS = 2000;
const MIN_PROGRESS = 0.02;

/** Follows one job's progress; `seconds()` is the estimate, or null while it cannot tell. */
export class EtaEstimator {
  private first: ProgressSample | null = null;
  private last: ProgressSample | null = null;

  /**
   * Starts from what the job row says: a first attempt that has made progress began at 0 when it
   * started running (a retried job's `startedAt` is its first attempt's, so it waits for events).
   */
  seed(job: Pick<Job, 'status' | 'attempts' | 'startedAt' | 'updatedAt' | 'progress'>): void {
    if (this.first || job.status !== 'RUNNING' || job.attempts > 1 || !job.startedAt) return;
    this.first = { at: Date.parse(job.startedAt), progress: 0 };
    this.last = { at: Date.parse(job.updatedAt), progress: job.progress };
  }

  add(sample: ProgressSample): void {
    // Progress that went back is a new run (a retry): measure it afresh.
    if (!this.first || !this.last || sample.progress < this.last.progress) this.first = sample;
    this.last = sample;
  }

  reset(): void {
    this.first = this.last = null;
  }

  /** Whole seconds left (0 when it should be done by now), or null. */
  seconds(now = Date.now()): number | null {
    const { first, last } = this;
    if (!first || !last) return null;
    const span = last.at - first.at;
    const moved = last.progress - first.progress;
    if (span < MIN_SPAN_MS || moved < MIN_PROGRESS || last.progress >= 1) return null;
    const left = ((1 - last.progress) * span) / moved - Math.max(0, now - last.at);
    return Math.max(0, Math.round(left / 1000));
  }
}

/** "about 40 s left", "about 3 min left", "about 1 h 20 min left", "finishing…". */
export function formatEta(seconds: number | null): string {
  if (seconds === null) return '';
  if (seconds < 1) return 'finishing…';
  if (seconds < 60) return `about ${seconds} s left`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min left`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
}
