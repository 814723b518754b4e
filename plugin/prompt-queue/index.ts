// The prompt-queue adapter: public entry point.
export { createPromptQueue, promptQueueMigrationSet, type PromptQueue, type PromptQueueDeps } from './adapter.js';
export {
  promptQueueOptionsSchema,
  parsePromptQueueOptions,
  PromptQueueOptionsError,
  MEDIA_PROMPT_TYPES,
  WORKFLOW_OF_TYPE,
  type PromptQueueOptions,
  type PromptQueueOptionsInput,
  type MediaPromptType,
  type ArtifactStatus,
  type CanViewPrompt,
} from './options.js';
export { comfyAvailability, comfyBackendsOf, type Availability, type AvailabilityCheck, type BackendTarget } from './comfy-availability.js';
export type { PassReport, DrainReport } from './poller.js';
export { prune, parseDuration, type PruneReport, type PruneScope } from './prune.js';
export { describePrune } from './prune-summary.js';
export { installRetention, retentionSweep } from './retention-sweep.js';
export type { PromptJson, PromptArtifactJson } from './prompt-json.js';
export type { PromptRow, PromptId } from './host-row.js';
export { PROMPT_QUEUE_EXIT, type PromptQueueExitCode } from './exit-codes.js';
