// Plain interfaces shared by the job store, the worker, the HTTP layer and the executors.
// Nothing here touches the database or the network. The wire shapes live in contract/; the
// server's records extend them with the fields that never leave the server.
import type { z } from 'zod';

import type { Job as WireJob, PresetRef } from '../../contract/job.js';
import type { InputRule, KindAvailability } from '../../contract/kinds.js';
import type { ArtifactRecord } from '../../contract/artifact.js';
import type { StaleReason } from '../../contract/lineage.js';
import type { JsonObject } from '../../contract/json.js';
import type { MediaKind } from '../../contract/media.js';
import type { WorkflowKind } from '../../contract/jobs.js';
import type { ArtifactRole } from '../../contract/media.js';
export { WORKFLOW_KINDS, JOB_WORKFLOWS, JOB_STATUSES, TERMINAL_STATUSES, isTerminal, isWorkflowKind } from '../../contract/jobs.js';
export type { WorkflowKind, JobWorkflow, JobStatus, TerminalStatus, JobSource } from '../../contract/jobs.js';
export type { MediaKind, ArtifactRole } from '../../contract/media.js';
export type { JsonValue, JsonObject } from '../../contract/json.js';
export type { PresetRef } from '../../contract/job.js';
export type { InputRule, KindAvailability } from '../../contract/kinds.js';
export type { StaleReason } from '../../contract/lineage.js';

/**
 * A job row: the wire job plus what only the server may see (views.ts's jobView() drops
 * these before anything is sent).
 */
export interface Job extends WireJob {
  runAfter: string;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  idempotencyKey: string | null;
  /** Executor-owned resumable state (finished segments, remote prompt ids...); a chain job keeps its definition here. */
  checkpoint: JsonObject;
  /** sha256 of workflow, preset hash, params and input sha256s: an earlier success with the same key can be reused. */
  runKey: string | null;
  /** The role this job's outputs get (`intermediate` for a chain's inner steps); null: `output`. */
  outputRole: ArtifactRole | null;
}

/** A job of one of the six kinds: what the worker claims and runs (a chain job never is). */
export type KindJob = Job & { workflow: WorkflowKind };

/** An artifact row: the wire record plus where its file lies under the artifact folder. */
export interface Artifact extends ArtifactRecord {
  storageKey: string;
}

export interface User {
  id: string;
  roles: string[];
}

/** Facts about a media file, read from its bytes (sharp / ffprobe). */
export interface MediaFacts {
  kind: MediaKind;
  mime: string;
  width?: number | null;
  height?: number | null;
  duration?: number | null;
  fps?: number | null;
  sampleRate?: number | null;
  metadata?: JsonObject;
}

/** What an executor hands to the storage layer for one output. */
export interface OutputSpec {
  /** A file the executor wrote (inside ctx.tempDir); it is moved, not copied. */
  path: string;
  role?: 'output' | 'preview' | 'intermediate';
  facts: MediaFacts;
  /** Lineage: artifact ids this output was made from (defaults to the job's inputs). */
  parentIds?: string[];
  metadata?: JsonObject;
}

export interface ProgressUpdate {
  /** 0..1 */
  fraction: number;
  stage?: string;
}

export interface ExecutorContext<P = JsonObject> {
  job: Job;
  params: P;
  inputs: Artifact[];
  /** Absolute path of an input artifact's file (read-only: never write to it). */
  inputPath(artifact: Artifact): string;
  /** Aborted when the job must stop; why (cancelled, lease-lost, shutdown, timeout): stopReasonOf in contract/stop.ts. */
  signal: AbortSignal;
  progress(update: ProgressUpdate): void;
  /** Records an output as an unpublished artifact of this job; published only if the job succeeds. */
  addOutput(spec: OutputSpec): Promise<Artifact>;
  /** A directory owned by this attempt; removed when the job finishes, whatever the outcome. */
  tempDir: string;
  /** A directory kept across attempts of this job (resumable work); removed when the job reaches a final state. */
  workDir: string;
  /** Persist executor state so a later attempt can resume. */
  saveCheckpoint(state: JsonObject): Promise<void>;
  /** Which ComfyUI backend (or other engine) runs the job; recorded on the job row. */
  setBackend(name: string | null): Promise<void>;
  /** The lane limit of this job's kind (executors may split work up to it). */
  laneConcurrency: number;
  /** A line in the job's log (it carries the job's fields: jobId, workflow, preset, attempt, backend...). */
  log(message: string, details?: JsonObject, level?: 'debug' | 'info' | 'warn' | 'error'): void;
  /** Adds fields to every later line of this attempt's log, e.g. `{ comfyPromptId }`. */
  bindLog(fields: JsonObject): void;
}

export interface ExecutorResult {
  /** Merged into the job's final event details. */
  summary?: JsonObject;
}

export interface Executor<P = JsonObject> {
  run(ctx: ExecutorContext<P>): Promise<ExecutorResult | void>;
}

/** Extra validation at submit time (cheap: artifact metadata only). Throws ValidationError. */
export type SubmitValidator<P = JsonObject> = (params: P, inputs: Artifact[]) => void | Promise<void>;

/** What a caller submitted, before the kind has resolved presets and artifact parameters. */
export interface SubmissionDraft {
  preset: { name: string; version?: number } | null;
  params: JsonObject;
  inputIds: string[];
}

export interface ResolvedSubmission {
  preset: PresetRef | null;
  params: JsonObject;
  inputIds: string[];
}

/** A time limit that a job's preset sets (its manifest's `timeout`), in place of its kind's. */
export interface PresetTimeout {
  /** ms; null: the preset runs without a limit. */
  ms: number | null;
  /** Which preset set it, for the job's events: `preset "txt2img" v3`. */
  source: string;
}

export interface KindDefinition<P = JsonObject> {
  kind: WorkflowKind;
  description: string;
  paramsSchema: z.ZodType<P>;
  inputs: InputRule;
  validate?: SubmitValidator<P>;
  /**
   * Kinds whose parameters depend on a preset (ComfyUI) resolve the draft themselves: pick the
   * preset version, validate and default the params, and name the artifact ids that become inputs.
   * Throws ValidationError naming the fields. When absent, `paramsSchema` validates `params`.
   */
  resolveSubmission?: (draft: SubmissionDraft) => Promise<ResolvedSubmission>;
  /**
   * Kinds with presets (ComfyUI): the limit the job's preset sets on one attempt's run time, or
   * null when its manifest sets none (the kind's limit, option `timeouts.<kind>`, applies).
   */
  presetTimeout?: (job: Job) => Promise<PresetTimeout | null>;
  /**
   * Lineage: which of these finished jobs are stale now (a newer version of the preset they ran
   * with, a changed model file), by job id; computed when read, never stored (plugin/lineage/).
   * Kinds without presets or models leave it out: their outputs never go stale.
   */
  staleness?: (steps: StaleCheck[]) => Promise<Map<string, StaleReason>>;
  executor?: Executor<P>;
  /**
   * Whether jobs of this kind can run now (GET /kinds, /health). Absent: available when an
   * executor is installed. `waitStage` set while unavailable: the worker leaves the kind's jobs
   * QUEUED with that stage (no attempt spent) and claims them once it is available again.
   */
  availability?: () => KindReadiness;
}

/** A kind's availability, plus what its queued jobs wait for while it is unavailable. */
export interface KindReadiness extends KindAvailability {
  /** The stage QUEUED jobs show while they wait, e.g. `waiting for a ComfyUI backend`. */
  waitStage?: string;
}

/** A finished job with its `output` artifacts (whose metadata records the models it used). */
export interface StaleCheck {
  job: Job;
  outputs: Artifact[];
}
