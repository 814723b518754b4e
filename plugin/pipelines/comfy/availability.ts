// Can ComfyUI jobs run now? Read from the backend pool's last health checks (no request of its
// own): none configured, or none answering, makes the four ComfyUI kinds unavailable, with the
// reason and the fix that GET /kinds, /health and the workspace show. Their jobs wait QUEUED
// (stage WAIT_STAGE, no attempt spent) until a backend answers.
import type { BackendPool } from '../../../bridge/pool/backend-pool.js';
import type { KindReadiness } from '../../core/types.js';

/** The stage of a ComfyUI job that waits for a backend. */
export const WAIT_STAGE = 'waiting for a ComfyUI backend';

export function comfyReadiness(pool: Pick<BackendPool, 'status'>): KindReadiness {
  const backends = pool.status();
  if (backends.length === 0) {
    return {
      available: false,
      reason: 'No ComfyUI backend is configured, so ComfyUI jobs cannot run: they wait in the queue.',
      fix: 'Set COMFYUI_URL (e.g. COMFYUI_URL=http://127.0.0.1:8188) or the comfy.backends option, then restart Media Lab.',
      waitStage: WAIT_STAGE,
    };
  }
  // null: not checked yet (start() waits for the first check, so only before start).
  if (backends.some((b) => b.healthy !== false)) return { available: true };
  const down = backends.map((b) => `${b.name} (${b.url})${b.lastError ? `: ${b.lastError}` : ''}`).join('; ');
  return {
    available: false,
    reason: `No ComfyUI backend answers (${down}): ComfyUI jobs wait in the queue until one does.`,
    fix: 'Start ComfyUI, or point COMFYUI_URL / the comfy.backends option at a running one; waiting jobs start by themselves when it answers.',
    waitStage: WAIT_STAGE,
  };
}
