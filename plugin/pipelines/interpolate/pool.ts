// Runs tasks with at most `limit` in flight. The first failure stops the rest (their ffmpeg
// children are killed through the shared signal) and is rethrown once every task has settled.
// Answers the most tasks that were in flight at once (the job's summary reports it).
import { cancellationError } from './ffmpeg/errors.js';

export async function runLimited<T>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal,
  task: (item: T, signal: AbortSignal) => Promise<void>,
): Promise<{ peakInFlight: number }> {
  const local = new AbortController();
  const shared = AbortSignal.any([signal, local.signal]);
  let next = 0;
  let failure: unknown = null;
  let inFlight = 0;
  let peakInFlight = 0;
  async function lane(): Promise<void> {
    while (!shared.aborted && next < items.length) {
      const item = items[next++];
      inFlight++;
      peakInFlight = Math.max(peakInFlight, inFlight);
      try {
        await task(item, shared);
      } catch (error) {
        if (failure === null) failure = error;
        local.abort(error);
      } finally {
        inFlight--;
      }
    }
  }
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, () => lane());
  await Promise.all(lanes);
  if (signal.aborted) throw cancellationError(signal);
  if (failure !== null) throw failure;
  return { peakInFlight };
}
