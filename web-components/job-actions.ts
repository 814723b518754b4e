// Cancel and retry, as both the job list and the job page offer them: call the API, tell the
// person what happened (a toast), and announce it (media-lab-job-action).
import type { MediaLabClient } from './api-client.js';
import type { Job } from '../contract/job.js';
import { isTerminal } from '../contract/jobs.js';
import { emit } from './events.js';
import { messageOf } from './lab-element.js';

export type JobAction = 'cancel' | 'retry';

export const canCancel = (job: Job): boolean => job.status === 'QUEUED' || job.status === 'RUNNING';
export const canRetry = (job: Job): boolean => job.status === 'FAILED' || job.status === 'CANCELLED';

/** Returns the job as the server now has it, or null when the action was refused (toast says why). */
export async function runJobAction(source: HTMLElement, client: MediaLabClient, action: JobAction, job: Job): Promise<Job | null> {
  try {
    const updated = action === 'cancel' ? await client.cancelJob(job.id) : await client.retryJob(job.id);
    const message =
      action === 'retry'
        ? 'Job queued again'
        : updated.status === 'CANCELLED'
          ? 'Job cancelled'
          : 'Cancel requested: the job stops at its next checkpoint';
    emit(source, 'media-lab-toast', { message, variant: 'success' });
    emit(source, 'media-lab-job-action', { action, job: updated });
    return updated;
  } catch (error) {
    emit(source, 'media-lab-toast', { message: `Could not ${action} the job: ${messageOf(error)}`, variant: 'error' });
    return null;
  }
}

/**
 * A job changed on the server: newer `updatedAt` wins, so late HTTP answers cannot undo live
 * events. Two changes can share a millisecond; then a final status is never undone by one that
 * is not (only a retry leaves a final status, and it comes later).
 */
export function newerJob<T extends Job>(current: T, incoming: Job): T {
  if (incoming.updatedAt && current.updatedAt) {
    if (incoming.updatedAt < current.updatedAt) return current;
    if (incoming.updatedAt === current.updatedAt && isTerminal(current.status) && !isTerminal(incoming.status)) return current;
  }
  return { ...current, ...incoming };
}
