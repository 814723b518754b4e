// In-process event bus: the worker publishes job changes, the WebSocket hub and the host listen.
import { EventEmitter } from 'node:events';
import type { Job } from '../core/types.js';
import { isTerminal } from '../core/types.js';
import type { LabAlert } from '../../contract/alerts.js';

export interface JobProgressEvent {
  id: string;
  progress: number;
  stage: string | null;
  at: string;
}

export interface LabEvents {
  'job.updated': [Job];
  'job.progress': [JobProgressEvent];
  'job.finished': [Job];
  /** Internal: a cancel was requested for a running job (wakes its executor at once). */
  'job.cancel-requested': [string];
  /** Internal: a job was queued (wakes idle workers at once). */
  'job.queued': [string];
  /** A standing alert was raised or grew (repeated failures, plugin/metrics/failure-streaks.ts). */
  alert: [LabAlert];
  /** A success ended a standing alert; the string is the job that succeeded. */
  'alert.cleared': [LabAlert, string];
}

/** Endings remembered for dropping duplicates; a duplicate arrives within a poll interval. */
const MAX_REMEMBERED_ENDINGS = 10_000;

export class LabEventBus extends EventEmitter<LabEvents> {
  constructor() {
    super();
    // Many WebSocket clients may listen; this is not a leak.
    this.setMaxListeners(0);
  }

  /** The ending each job last announced here, so that one ending is announced once. */
  private readonly endings = new Map<string, string>();

  /**
   * Announces a job's new state. A job's ending can arrive twice (the database change watcher
   * may read the final row before the worker that wrote it announces it): the second is dropped,
   * so one ending makes one job.finished per process.
   */
  jobChanged(job: Job): void {
    if (isTerminal(job.status)) {
      const ending = `${job.status}@${job.finishedAt ?? job.updatedAt}`;
      if (this.endings.get(job.id) === ending) return;
      this.endings.delete(job.id);
      this.endings.set(job.id, ending);
      if (this.endings.size > MAX_REMEMBERED_ENDINGS) this.endings.delete(this.endings.keys().next().value as string);
    } else {
      this.endings.delete(job.id);
    }
    this.emit('job.updated', job);
    if (isTerminal(job.status)) this.emit('job.finished', job);
    if (job.status === 'QUEUED') this.emit('job.queued', job.id);
  }
}
