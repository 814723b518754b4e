// `job.finished` may reach the bus twice for one ending: the worker emits it after its
// transition's follow-up work (removing the work folder), and the database change watcher may
// read the new row first and emit it too. Counters and streaks must see each ending once: a job
// ends once per (id, finishedAt); a retried job that ends again has a new finishedAt.
import type { Job } from '../core/types.js';
import type { LabEventBus } from '../events/bus.js';

/** Endings remembered; far more than can arrive twice within the watcher's poll interval. */
const REMEMBERED = 5_000;

/** Calls `handler` once per job ending; returns the function that stops listening. */
export function onEachFinish(bus: LabEventBus, handler: (job: Job) => void): () => void {
  const seen = new Set<string>();
  const listener = (job: Job) => {
    const key = `${job.id}@${job.finishedAt ?? job.updatedAt}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (seen.size > REMEMBERED) seen.delete(seen.values().next().value as string);
    handler(job);
  };
  bus.on('job.finished', listener);
  return () => bus.off('job.finished', listener);
}
