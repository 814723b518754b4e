// What a comfy job remembers across attempts (job.checkpoint): where its prompt went. Saved
// before the prompt is submitted (the prompt id is ours), so a process that dies at any point
// leaves enough for the next attempt to find the prompt again.
import type { JsonObject } from '../../core/types.js';

export interface ComfyCheckpoint {
  backend: string;
  promptId: string;
  /** The WebSocket client id the prompt's messages go to. */
  clientId: string;
  presetHash: string;
  /** Resubmissions so far (lost prompts, backends gone), across attempts. */
  resubmits: number;
  submittedAt: string;
  /** The backend's ComfyUI version when the prompt went there (null: not known yet). */
  comfyVersion?: string | null;
  /**
   * An attempt stopped this prompt on the server (a cancel, a timeout): the next attempt submits
   * afresh instead of looking for it, and does not count it as lost.
   */
  stopped?: boolean;
}

export function readCheckpoint(value: JsonObject | null | undefined): ComfyCheckpoint | null {
  if (!value || typeof value !== 'object') return null;
  const { backend, promptId, clientId, presetHash, resubmits, submittedAt } = value;
  if (typeof backend !== 'string' || typeof promptId !== 'string' || typeof clientId !== 'string') return null;
  return {
    backend,
    promptId,
    clientId,
    presetHash: typeof presetHash === 'string' ? presetHash : '',
    resubmits: typeof resubmits === 'number' ? resubmits : 0,
    submittedAt: typeof submittedAt === 'string' ? submittedAt : '',
    ...(typeof value.comfyVersion === 'string' ? { comfyVersion: value.comfyVersion } : {}),
    ...(value.stopped === true ? { stopped: true } : {}),
  };
}

export function checkpointJson(state: ComfyCheckpoint): JsonObject {
  return { ...state };
}
