// Start-up reconciliation: for every job Media Lab believes is on a ComfyUI server, where is
// its prompt now? Read-only: the job's next attempt acts on what it finds (collect, follow
// again, resubmit or COMFY_LOST), so a host can requeue those jobs at once instead of waiting
// for their leases to expire, and log the picture.
import type { BackendPool } from '../../../bridge/pool/backend-pool.js';
import { ComfyUnreachableError } from '../../../bridge/errors.js';
import type { Job } from '../../core/types.js';
import { readCheckpoint } from './checkpoint.js';

export type ReconcileState =
  | 'succeeded' // finished on the server: the next attempt only collects outputs
  | 'failed' // finished with an error or interrupted: the next attempt resubmits
  | 'running'
  | 'pending'
  | 'lost' // the server does not know it (restart): resubmit or COMFY_LOST by policy
  | 'backend-unreachable'
  | 'backend-unknown'
  | 'no-prompt'; // never reached a server

export interface ReconcileReport {
  jobId: string;
  backend: string | null;
  promptId: string | null;
  state: ReconcileState;
  detail?: string;
}

export async function reconcileComfyJobs(jobs: Array<Pick<Job, 'id' | 'checkpoint'>>, pool: BackendPool): Promise<ReconcileReport[]> {
  return Promise.all(
    jobs.map(async (job): Promise<ReconcileReport> => {
      const saved = readCheckpoint(job.checkpoint);
      if (!saved) return { jobId: job.id, backend: null, promptId: null, state: 'no-prompt' };
      const base = { jobId: job.id, backend: saved.backend, promptId: saved.promptId };
      const backend = pool.get(saved.backend);
      if (!backend) return { ...base, state: 'backend-unknown', detail: 'the backend is no longer configured' };
      try {
        const location = await backend.client.locate(saved.promptId);
        if (location.state === 'finished') {
          return { ...base, state: location.outcome.status === 'success' ? 'succeeded' : 'failed' };
        }
        if (location.state === 'unknown') return { ...base, state: 'lost' };
        return { ...base, state: location.state };
      } catch (error) {
        if (!(error instanceof ComfyUnreachableError)) throw error;
        return { ...base, state: 'backend-unreachable', detail: error.message };
      }
    }),
  );
}
