// What the lab's scheduled retention (the `retention` option) runs: the prune logic of
// `media-lab prune`, over Media Lab's artifacts and, given the adapter's names and media root,
// the prompt artifacts. createPromptQueue installs it with its prompt artifacts (a lab without
// the adapter sweeps its own artifacts anyway).
import type { MediaLab } from '../media-lab.js';
import type { RetentionSweep } from '../artifacts/retention-schedule.js';
import type { PromptMediaRoot } from './media-root.js';
import type { PromptQueueOptions } from './options.js';
import { prune } from './prune.js';
import { describePrune } from './prune-summary.js';

export function retentionSweep(lab: Pick<MediaLab, 'knex' | 'storage'>, promptQueue?: { options: PromptQueueOptions; media: PromptMediaRoot }): RetentionSweep {
  return async ({ olderThanMs, scope, dryRun }) =>
    describePrune(await prune({ knex: lab.knex, storage: lab.storage, promptQueue, olderThanMs, scope, dryRun }));
}

/** Gives the lab's retention schedule (if the `retention` option is set) the prune logic. */
export function installRetention(lab: MediaLab, promptQueue?: { options: PromptQueueOptions; media: PromptMediaRoot }): void {
  lab.retention?.sweepWith(retentionSweep(lab, promptQueue));
}
