// The longest one attempt of a job may run: the limit that applies to a job (its preset's
// manifest `timeout`, else its kind's `timeouts.<kind>` option), the timer that stops the
// attempt with 'timeout' once it has passed, and the TIMEOUT error the job fails with.
//
// The clock is per attempt and starts when the attempt starts running: time spent QUEUED
// (waiting for a lane, a backoff or a ComfyUI backend to come back) is not run time.
import { formatDuration } from '../../contract/duration.js';
import { stopJob } from '../../contract/stop.js';
import { MediaLabError } from '../core/errors.js';
import type { Job, JsonObject, KindDefinition, WorkflowKind } from '../core/types.js';
import { isWorkflowKind } from '../core/types.js';

export interface RunLimit {
  /** ms; null: no limit. */
  ms: number | null;
  /** Where it comes from: `timeouts.generate`, or `preset "txt2img" v3`. */
  source: string;
}

/** The limit for this job: its preset's, when the preset's manifest sets one, else its kind's. */
export async function runLimitOf(job: Job, definition: Pick<KindDefinition, 'presetTimeout'>, timeouts: Record<WorkflowKind, number | null>): Promise<RunLimit> {
  if (!isWorkflowKind(job.workflow)) return { ms: null, source: 'none' }; // a chain runs no attempt
  const kindLimit: RunLimit = { ms: timeouts[job.workflow], source: `timeouts.${job.workflow}` };
  if (!definition.presetTimeout) return kindLimit;
  try {
    return (await definition.presetTimeout(job)) ?? kindLimit;
  } catch {
    // A preset that is gone or changed fails the job in its executor, with its own error.
    return kindLimit;
  }
}

/**
 * Stops the attempt with 'timeout' once `limit.ms` have passed since `startedAt` (a Date.now()
 * value). Returns the disarm, to call when the attempt settles.
 */
export function armRunLimit(controller: AbortController, limit: RunLimit, startedAt: number): () => void {
  if (limit.ms === null) return () => undefined;
  const timer = setTimeout(() => stopJob(controller, 'timeout'), Math.max(0, startedAt + limit.ms - Date.now()));
  return () => clearTimeout(timer);
}

/** The limit as the job's events record it. */
export function runLimitDetails(limit: RunLimit): JsonObject {
  return { limitMs: limit.ms, source: limit.source };
}

/**
 * What a timed-out attempt fails with: `base` (stopOutcome's TIMEOUT, transient) told in terms
 * of this job's limit, plus what the executor did to stop (e.g. the ComfyUI prompt it interrupted).
 */
export function timeoutFailure(base: MediaLabError, limit: RunLimit, stoppedWith: unknown): MediaLabError {
  const after = limit.ms === null ? '' : ` after ${formatDuration(limit.ms)}`;
  const how = stoppedWith instanceof Error && stoppedWith.name !== 'AbortError' && stoppedWith.message ? ` (${stoppedWith.message})` : '';
  return new MediaLabError(base.code, `Timed out${after}: the attempt ran past its limit (${limit.source}) and was stopped${how}.`, {
    transient: base.transient,
    cause: stoppedWith,
  });
}
