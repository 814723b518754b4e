// What leaves the server: a job or an artifact as the contract describes it. Every route and the
// WebSocket send records through these, never a raw row (leases, checkpoints, storage keys and
// idempotency keys stay here).
import type { Artifact as WireArtifact } from '../../contract/artifact.js';
import type { Job as WireJob, JobDetail as WireJobDetail } from '../../contract/job.js';
import type { Artifact, Job } from '../core/types.js';
import type { JobDetail } from '../jobs/service.js';

/** The wire fields of a job, listed one by one so a new private field cannot slip out. */
export function jobView(job: Job): WireJob {
  return {
    id: job.id,
    workflow: job.workflow,
    preset: job.preset,
    params: job.params,
    inputIds: job.inputIds,
    status: job.status,
    progress: job.progress,
    stage: job.stage,
    priority: job.priority,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    cancelRequestedAt: job.cancelRequestedAt,
    errorCode: job.errorCode,
    errorMessage: job.errorMessage,
    submittedBy: job.submittedBy,
    source: job.source,
    sourceRef: job.sourceRef,
    backend: job.backend,
    parentJobId: job.parentJobId,
    stepId: job.stepId,
    reusedFromJobId: job.reusedFromJobId,
    lane: job.lane,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    updatedAt: job.updatedAt,
  };
}

/**
 * An artifact as the API sends it: the record plus where to fetch its bytes and thumbnail. The
 * storage key (where the file lies under the artifact folder) stays on the server.
 */
export function artifactView(mount: string, a: Artifact): WireArtifact {
  const { storageKey: _serverOnly, ...record } = a;
  return {
    ...record,
    contentUrl: `${mount}/artifacts/${a.id}/content`,
    thumbnailUrl: a.kind === 'image' ? `${mount}/artifacts/${a.id}/thumbnail` : null,
  };
}

/** GET /jobs/:id: the job with its inputs and outputs as artifacts. */
export function jobDetailView(mount: string, detail: JobDetail): WireJobDetail {
  return {
    ...jobView(detail),
    inputs: detail.inputs.map((a) => artifactView(mount, a)),
    outputs: detail.outputs.map((a) => artifactView(mount, a)),
  };
}
