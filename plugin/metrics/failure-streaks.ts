// Repeated-failure alerting: counts FAILED jobs in a row per workflow kind and per ComfyUI
// backend (a SUCCEEDED job of that kind, or on that backend, resets its count; a cancel
// changes nothing). At the threshold it raises a standing alert: one warning in the log, an
// `alert` event on the bus (the WebSocket relays it), and `/health` reports `degraded` until
// the next success clears it (`alert.cleared`).
//
// Counts live in this process and start at zero; each process sees every job that finishes on
// the database (the change watcher relays other processes' jobs), so each counts the same.
import type { Job } from '../core/types.js';
import type { LabEventBus } from '../events/bus.js';
import type { AlertScope, LabAlert } from '../../contract/alerts.js';
import { onEachFinish } from './finished-once.js';

type Log = Pick<Console, 'warn' | 'info'>;

interface Streak {
  scope: AlertScope;
  subject: string;
  count: number;
  alert: LabAlert | null;
}

export function alertReason(scope: AlertScope, subject: string, count: number, lastErrorCode: string | null): string {
  const what = scope === 'kind' ? `${count} ${subject} jobs failed in a row` : `${count} jobs on backend ${subject} failed in a row`;
  return `${what} (last: ${lastErrorCode ?? 'no error code'})`;
}

export class FailureStreaks {
  private readonly streaks = new Map<string, Streak>();
  private readonly unsubscribe: () => void;

  /** `threshold` 0 turns alerting off (streaks are still counted for the metrics). */
  constructor(
    private readonly bus: LabEventBus,
    private readonly threshold: number,
    private readonly log: Log,
  ) {
    this.unsubscribe = onEachFinish(bus, (job) => this.record(job));
  }

  /** Alerts standing now, oldest first. */
  current(): LabAlert[] {
    return [...this.streaks.values()]
      .flatMap((s) => (s.alert ? [{ ...s.alert }] : []))
      .sort((a, b) => (a.since < b.since ? -1 : a.since > b.since ? 1 : 0));
  }

  /** Current streak lengths (including those below the threshold). */
  counts(): { scope: AlertScope; subject: string; count: number }[] {
    return [...this.streaks.values()].map(({ scope, subject, count }) => ({ scope, subject, count }));
  }

  record(job: Job): void {
    if (job.status !== 'FAILED' && job.status !== 'SUCCEEDED') return;
    this.step('kind', job.workflow, job);
    if (job.backend) this.step('backend', job.backend, job);
  }

  close(): void {
    this.unsubscribe();
  }

  private step(scope: AlertScope, subject: string, job: Job): void {
    const id = `${scope}:${subject}`;
    let streak = this.streaks.get(id);
    if (job.status === 'SUCCEEDED') {
      if (!streak) return;
      const ended = streak.alert;
      // Kept at zero (not deleted): the metric's series stays, and reads 0.
      streak.count = 0;
      streak.alert = null;
      if (ended) {
        this.log.info(`[media-lab] alert cleared: ${ended.reason}; job ${job.id} succeeded`);
        this.bus.emit('alert.cleared', ended, job.id);
      }
      return;
    }
    if (!streak) {
      streak = { scope, subject, count: 0, alert: null };
      this.streaks.set(id, streak);
    }
    streak.count++;
    if (this.threshold <= 0 || streak.count < this.threshold) return;
    const reason = alertReason(scope, subject, streak.count, job.errorCode);
    const raised = !streak.alert;
    streak.alert = {
      id,
      scope,
      subject,
      consecutiveFailures: streak.count,
      lastErrorCode: job.errorCode,
      lastJobId: job.id,
      reason,
      since: streak.alert?.since ?? new Date().toISOString(),
    };
    // One warning per alert; further failures update it (and the socket's banner) quietly.
    if (raised) this.log.warn(`[media-lab] alert: ${reason}. /health reports "degraded" until a ${scope === 'kind' ? subject : `job on ${subject}`} succeeds.`);
    this.bus.emit('alert', { ...streak.alert });
  }
}
