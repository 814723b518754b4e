// What leaves the server: a job or an artifact as the contract describes it. Every route and the
// WebSocket send records through these, never a raw row (leases, checkpoints, storage keys and
// idempotency keys stay here).
import type { Artifact as WireArtifact } from '../../contract/artifact.js';
import type { Job as WireJob, JobDetail as WireJobDetail } from '../../contract/job.js';
import type { Provenance, ProvenanceArtifact } from '../../contract/lineage.js';
import type { Artifact, Job, StaleReason } from '../core/types.js';
import type { JobDetail } from '../jobs/service.js';
import type { ProvenanceGraph } from '../lineage/provenance.js';

/** The wire fields of a job, listed one by one so a new private field cannot slip out. */
import type { Draft as WireDraft, DraftResult, DraftSummary } from '../../contract/workbench.js';
import type { DraftState } from '../workbench/service.js';
import type { DraftRow } from '../workbench/store.js';
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
 * An artifact as the API sends it: the record plus where to fetch its bytes and thumbnail, and
 * whether it is stale (the reason, computed by plugin/lineage/staleness.ts; uploads and
 * artifacts whose job is current pass none). The storage key (where the file lies under the
 * artifact folder) stays on the server.
 */
export function artifactView(mount: string, a: Artifact, stale: StaleReason | null = null): WireArtifact {
  const { storageKey: _serverOnly, ...record } = a;
  return {
    ...record,
    contentUrl: `${mount}/artifacts/${a.id}/content`,
    // Images scaled down, videos their poster, audio its waveform.
    thumbnailUrl: `${mount}/artifacts/${a.id}/thumbnail`,
    stale: stale !== null,
    staleReason: stale,
  };
}

/** Artifacts with their stale reasons by artifact id (Staleness.ofArtifacts). */
export function artifactViews(mount: string, list: Artifact[], stale: ReadonlyMap<string, StaleReason>): WireArtifact[] {
  return list.map((a) => artifactView(mount, a, stale.get(a.id) ?? null));
}

/** GET /jobs/:id: the job with its inputs and outputs as artifacts. */
export function jobDetailView(mount: string, detail: JobDetail, stale: ReadonlyMap<string, StaleReason> = new Map()): WireJobDetail {
  return {
    ...jobView(detail),
    inputs: artifactViews(mount, detail.inputs, stale),
    outputs: artifactViews(mount, detail.outputs, stale),
  };
}

/** GET /artifacts/:id/provenance: the graph, its artifacts with where to fetch them. */
export function provenanceView(mount: string, graph: ProvenanceGraph): Provenance {
  const artifact = (a: Artifact): ProvenanceArtifact => ({
    id: a.id,
    kind: a.kind,
    role: a.role,
    sha256: a.sha256,
    bytes: a.bytes,
    mime: a.mime,
    jobId: a.jobId,
    parentIds: a.parentIds,
    createdBy: a.createdBy,
    createdAt: a.createdAt,
    contentUrl: `${mount}/artifacts/${a.id}/content`,
    thumbnailUrl: a.kind === 'image' ? `${mount}/artifacts/${a.id}/thumbnail` : null,
  });
  return { artifactId: graph.artifactId, artifacts: graph.artifacts.map(artifact), steps: graph.steps, stale: graph.stale, truncated: graph.truncated };
}

/** A workbench draft with each step's freshness, results (newest first) and edges. */
export function draftView(mount: string, state: DraftState): WireDraft {
  const { draft, context, states, outputs, resultFreshness, edges } = state;
  const resultView = (r: DraftState['context']['results'][number]): DraftResult | null => {
    const job = context.jobs.get(r.jobId);
    if (!job) return null;
    return {
      jobId: r.jobId,
      stepId: r.stepId,
      createdAt: r.createdAt,
      status: job.status,
      progress: job.progress,
      errorCode: job.errorCode,
      errorMessage: job.errorMessage,
      snapshot: r.snapshot,
      job: jobView(job),
      outputs: (outputs.get(r.jobId) ?? []).map((a) => artifactView(mount, a)),
      freshness: resultFreshness.get(r.jobId) ?? 'stale',
    };
  };
  return {
    id: draft.id,
    name: draft.name,
    owner: draft.owner,
    definition: draft.definition as unknown as Record<string, unknown>,
    inputValues: draft.inputValues,
    selections: draft.selections,
    steps: draft.definition.steps.map((step) => {
      const state = states.get(step.id);
      const selected = state?.selected ? resultView(state.selected) : null;
      return {
        stepId: step.id,
        freshness: state?.freshness ?? 'missing',
        reasons: state?.reasons ?? [],
        selected,
        results: context.results.filter((r) => r.stepId === step.id).map(resultView).filter((r): r is DraftResult => r !== null),
      };
    }),
    edges,
    run: draft.run,
    createdAt: draft.createdAt,
    updatedAt: draft.updatedAt,
  };
}

export function draftSummaryView(draft: DraftRow): DraftSummary {
  return { id: draft.id, name: draft.name, owner: draft.owner, steps: draft.definition.steps.length, createdAt: draft.createdAt, updatedAt: draft.updatedAt };
}
