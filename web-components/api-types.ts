// The JSON shapes the Media Lab HTTP API and WebSocket send, as the browser sees them.
// Kept separate from the plugin's server types: these are the wire contract, nothing more.

export const WORKFLOW_KINDS = ['generate', 'blend', 'enhance', 'interpolate', 'music', 'voice'] as const;
export type WorkflowKind = (typeof WORKFLOW_KINDS)[number];

export const JOB_STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const FINAL_STATUSES: readonly JobStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

export type MediaKind = 'image' | 'video' | 'audio';
export type ArtifactRole = 'input' | 'output' | 'intermediate' | 'preview';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface PresetRef {
  name: string;
  version: number | null;
  hash: string | null;
}

export interface Job {
  id: string;
  workflow: WorkflowKind;
  preset: PresetRef | null;
  params: JsonObject;
  inputIds: string[];
  status: JobStatus;
  progress: number;
  stage: string | null;
  priority: number;
  attempts: number;
  maxAttempts: number;
  errorCode: string | null;
  errorMessage: string | null;
  submittedBy: string;
  source: 'lab' | 'prompt-queue';
  sourceRef: string | null;
  backend: string | null;
  cancelRequestedAt: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

export interface Artifact {
  id: string;
  jobId: string | null;
  role: ArtifactRole;
  kind: MediaKind;
  sha256: string;
  bytes: number;
  mime: string;
  width: number | null;
  height: number | null;
  duration: number | null;
  fps: number | null;
  sampleRate: number | null;
  metadata: JsonObject;
  parentIds: string[];
  published: boolean;
  createdBy: string | null;
  createdAt: string;
  contentUrl: string;
  /** Only images have thumbnails. */
  thumbnailUrl: string | null;
}

export interface UploadedArtifact extends Artifact {
  /** True when the same bytes were uploaded before (HTTP 200 instead of 201). */
  deduplicated: boolean;
}

export interface JobDetail extends Job {
  inputs: Artifact[];
  outputs: Artifact[];
}

export interface ArtifactDetail extends Artifact {
  /** Ancestors back to the uploaded sources, nearest first. */
  lineage: Artifact[];
}

export interface AuditEvent {
  id: number;
  jobId: string;
  at: string;
  actor: string;
  type: string;
  from: JobStatus | null;
  to: JobStatus | null;
  details: JsonObject;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The subset of JSON Schema that `z.toJSONSchema` emits for parameter schemas. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: JsonValue;
  enum?: JsonValue[];
  const?: JsonValue;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
}

export interface InputRule {
  min: number;
  max: number;
  kinds: MediaKind[];
}

export interface KindInfo {
  kind: WorkflowKind;
  description: string;
  /** False when the server has no pipeline for this kind (jobs would fail EXECUTOR_UNAVAILABLE). */
  available: boolean;
  inputs: InputRule;
  params: JsonSchema;
}

/** One parameter of a ComfyUI preset, as GET /presets describes it. */
export interface PresetParameter {
  name: string;
  /** text | string | integer | number | boolean | seed | enum | image | audio (others are shown as text). */
  type: string;
  label?: string;
  description?: string;
  default?: JsonValue;
  min?: number;
  max?: number;
  step?: number;
  /** Allowed values for choice parameters. */
  options?: JsonValue[];
  choices?: JsonValue[];
  enum?: JsonValue[];
  required?: boolean;
  /** Seeds: a random value is drawn per job when left empty. */
  randomize?: boolean;
}

export interface PresetInfo {
  name: string;
  /** The workflow kind the preset serves (servers may call it `kind` or `workflow`). */
  kind?: WorkflowKind;
  workflow?: WorkflowKind;
  version?: number | null;
  description?: string;
  /** Either a list of parameters or a map of name -> parameter. */
  parameters?: PresetParameter[] | Record<string, Omit<PresetParameter, 'name'>>;
  params?: PresetParameter[] | Record<string, Omit<PresetParameter, 'name'>>;
  available?: boolean;
}

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `params.targetFps` or `inputs[0]`. */
  field: string;
  message: string;
}

/** RFC 9457 problem+json, as every Media Lab error is sent. */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: FieldIssue[];
  currentStatus?: JobStatus;
  retryAfter?: number;
}

export interface SubmitJobRequest {
  workflow: WorkflowKind;
  preset?: string | { name: string; version?: number };
  params: JsonObject;
  inputs: string[];
  priority?: number;
  maxAttempts?: number;
}

export interface SubmitJobResponse {
  id: string;
  status: JobStatus;
  job: Job;
}

export interface JobFilters {
  status?: JobStatus[];
  workflow?: WorkflowKind[];
  source?: 'lab' | 'prompt-queue';
  limit?: number;
  cursor?: string | null;
}

export interface ArtifactFilters {
  kind?: MediaKind[];
  role?: ArtifactRole[];
  jobId?: string;
  limit?: number;
  cursor?: string | null;
}

/** One row of the host's prompt_artifacts table, as the prompt routes send it. */
export interface PromptArtifact {
  id: number;
  prompt_id: string | number;
  /** Outputs are `image` and `audio`; `thumbnail` and `waveform` rows are their previews. */
  artifact_type: 'image' | 'audio' | 'thumbnail' | 'waveform';
  mime: string;
  file_path: string;
  preview_path: string | null;
  file_url: string;
  preview_url: string | null;
  metadata: JsonObject;
  created_at: string;
  updated_at: string;
}

export type PromptArtifactStatus = 'pending' | 'processing' | 'ready' | 'error';

/** GET <prompts mount>/:id/artifacts */
export interface PromptArtifacts {
  prompt_id: string | number;
  prompt_type: string;
  /** The host's own prompt status. */
  status: string | null;
  error_message: string | null;
  artifact_status: PromptArtifactStatus | null;
  /** Outputs only (image and audio rows): the number on the badge. */
  artifact_count: number;
  artifacts: PromptArtifact[];
}

/**
 * A standing alert (repeated failures of one kind, or on one ComfyUI backend): in `/health`'s
 * `alerts` and in the socket's `alert` / `alert.cleared`. Mirrors contract/alerts.ts (this folder
 * builds alone until the web components read contract/ directly).
 */
export interface LabAlert {
  id: string;
  scope: 'kind' | 'backend';
  subject: string;
  consecutiveFailures: number;
  lastErrorCode: string | null;
  lastJobId: string;
  reason: string;
  since: string;
}

export type LabSocketMessage =
  | { type: 'hello'; user: string; events: string[] }
  | { type: 'alert'; alert: LabAlert }
  | { type: 'alert.cleared'; alert: LabAlert; clearedBy: string }
  | { type: 'subscribed'; jobIds: string[] | 'all' }
  | { type: 'job.updated'; job: Job }
  | { type: 'job.finished'; job: Job }
  | { type: 'job.progress'; id: string; progress: number; stage: string | null; at: string }
  | { type: 'pong' }
  | { type: 'error'; detail: string };
