// Mapping between database rows (snake_case, JSON stored as text) and the API's types.
import type { Artifact, ArtifactRole, Job, JobSource, JobStatus, JobWorkflow, JsonObject, MediaKind } from './types.js';
import { toIso, toIsoOrNull } from './time.js';

export type Row = Record<string, unknown>;

/** JSON stored as text (or already parsed by the driver); anything unreadable is `fallback`. */
export function parseJson<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined || value === '') return fallback;
  if (typeof value !== 'string') return value as T;
  try {
    return JSON.parse(value) as T;
  } catch {
    return fallback;
  }
}

/** A JSON list of ids stored as text (or already parsed); anything unreadable is an empty list. */
export function jsonList(value: unknown): string[] {
  if (typeof value !== 'string') return Array.isArray(value) ? value.map(String) : [];
  try {
    const parsed = JSON.parse(value) as unknown;
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}

function numOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export function jobFromRow(row: Row): Job {
  const presetName = (row.preset_name as string | null) ?? null;
  return {
    id: String(row.id),
    workflow: row.workflow as JobWorkflow,
    preset: presetName
      ? { name: presetName, version: numOrNull(row.preset_version), hash: (row.preset_hash as string | null) ?? null }
      : null,
    params: parseJson<JsonObject>(row.params, {}),
    inputIds: parseJson<string[]>(row.input_ids, []),
    status: row.status as JobStatus,
    progress: Number(row.progress ?? 0),
    stage: (row.stage as string | null) ?? null,
    priority: Number(row.priority ?? 0),
    attempts: Number(row.attempts ?? 0),
    maxAttempts: Number(row.max_attempts ?? 1),
    runAfter: toIso(row.run_after),
    leaseOwner: (row.lease_owner as string | null) ?? null,
    leaseExpiresAt: toIsoOrNull(row.lease_expires_at),
    cancelRequestedAt: toIsoOrNull(row.cancel_requested_at),
    errorCode: (row.error_code as string | null) ?? null,
    errorMessage: (row.error_message as string | null) ?? null,
    submittedBy: String(row.submitted_by),
    idempotencyKey: (row.idempotency_key as string | null) ?? null,
    source: (row.source as JobSource) ?? 'lab',
    sourceRef: (row.source_ref as string | null) ?? null,
    backend: (row.backend as string | null) ?? null,
    checkpoint: parseJson<JsonObject>(row.checkpoint, {}),
    parentJobId: (row.parent_job_id as string | null) ?? null,
    stepId: (row.step_id as string | null) ?? null,
    reusedFromJobId: (row.reused_from_job_id as string | null) ?? null,
    lane: (row.lane as string | null) ?? null,
    runKey: (row.run_key as string | null) ?? null,
    outputRole: (row.output_role as ArtifactRole | null) ?? null,
    createdAt: toIso(row.created_at),
    startedAt: toIsoOrNull(row.started_at),
    finishedAt: toIsoOrNull(row.finished_at),
    updatedAt: toIso(row.updated_at),
  };
}

export function artifactFromRow(row: Row): Artifact {
  return {
    id: String(row.id),
    jobId: (row.job_id as string | null) ?? null,
    role: row.role as ArtifactRole,
    kind: row.kind as MediaKind,
    storageKey: String(row.storage_key),
    sha256: String(row.sha256),
    bytes: Number(row.bytes),
    mime: String(row.mime),
    width: numOrNull(row.width),
    height: numOrNull(row.height),
    duration: numOrNull(row.duration),
    fps: numOrNull(row.fps),
    sampleRate: numOrNull(row.sample_rate),
    metadata: parseJson<JsonObject>(row.metadata, {}),
    parentIds: parseJson<string[]>(row.parent_ids, []),
    published: Boolean(row.published),
    createdBy: (row.created_by as string | null) ?? null,
    createdAt: toIso(row.created_at),
  };
}
