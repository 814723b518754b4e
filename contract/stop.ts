// Why a running job is asked to stop, how the code doing the work learns why, and what each
// reason means for the job. The worker aborts a job's AbortController with a JobStopped; the
// executors, the ffmpeg runners and the bridge read the reason from the AbortSignal through
// stopReasonOf and never look at the abort reason's shape themselves.
import { MediaLabError } from './errors.js';

export const STOP_REASONS = ['cancelled', 'lease-lost', 'shutdown', 'timeout'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

const MESSAGES: Record<StopReason, string> = {
  cancelled: 'The job was cancelled.',
  'lease-lost': 'The job lease was lost.',
  shutdown: 'The worker is shutting down.',
  timeout: 'The job ran longer than it is allowed to.',
};

/** The abort reason the worker gives a job's AbortController. An AbortError, like any abort. */
export class JobStopped extends Error {
  readonly reason: StopReason;
  constructor(reason: StopReason) {
    super(MESSAGES[reason]);
    this.name = 'AbortError';
    this.reason = reason;
  }
}

/** Asks the work behind `controller` to stop for `reason` (the first reason given wins). */
export function stopJob(controller: AbortController, reason: StopReason): void {
  controller.abort(new JobStopped(reason));
}

/** Why the signal's job was stopped; null while it runs, or when something else aborted it. */
export function stopReasonOf(signal: AbortSignal): StopReason | null {
  return signal.aborted && signal.reason instanceof JobStopped ? signal.reason.reason : null;
}

/**
 * Whether the work itself may go on without this attempt: the job is still wanted and a later
 * attempt picks it up (the lease went to another worker, or this worker is shutting down). Work
 * running elsewhere (a ComfyUI prompt) is then left alone rather than cancelled.
 */
export function detaches(reason: StopReason | null): boolean {
  return reason === 'lease-lost' || reason === 'shutdown';
}

/** What an executor throws once its signal has aborted: the signal's own Error (the stop itself), else `otherwise()`. */
export function abortedError(signal: AbortSignal, otherwise: () => Error): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : otherwise();
}

/** What a stop means for the job's next state. */
export type StopOutcome =
  /** Write nothing: another worker owns the job now. */
  | { next: 'untouched' }
  /** RUNNING -> CANCELLED. */
  | { next: 'CANCELLED' }
  /** RUNNING -> QUEUED at once, the attempt given back: the stop was not the job's fault. */
  | { next: 'QUEUED'; refundAttempt: true }
  /** Fails like any error with this one: a transient error is retried while attempts remain. */
  | { next: 'failed'; error: MediaLabError };

export function stopOutcome(reason: StopReason): StopOutcome {
  switch (reason) {
    case 'cancelled':
      return { next: 'CANCELLED' };
    case 'lease-lost':
      return { next: 'untouched' };
    case 'shutdown':
      return { next: 'QUEUED', refundAttempt: true };
    case 'timeout':
      return { next: 'failed', error: new MediaLabError('TIMEOUT', `${MESSAGES.timeout} It will be retried while attempts remain.`, { transient: true }) };
  }
}
