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

export class LabEventBus extends EventEmitter<LabEvents> {
  constructor() {
    super();
    // Many WebSocket clients may listen; this is not a leak.
    this.setMaxListeners(0);
  }

  jobChanged(job: Job): void {
    this.emit('job.updated', job);
    if (isTerminal(job.status)) this.emit('job.finished', job);
    if (job.status === 'QUEUED') this.emit('job.queued', job.id);
  }
}
