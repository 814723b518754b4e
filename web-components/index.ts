// Media Lab's web components: import this module once (the router serves it bundled at
// <mount>/ui/media-lab.js) and use the elements in any page.
export { MediaLabApp, APP_TABS, type AppTab } from './media-lab-app.js';
export { MediaLabJobForm, presetsFor } from './media-lab-job-form.js';
export { MediaLabSourcePicker } from './media-lab-source-picker.js';
export { MediaLabJobs } from './media-lab-jobs.js';
export { MediaLabJob } from './media-lab-job.js';
export { MediaLabCompare } from './media-lab-compare.js';
export { MediaLabGallery } from './media-lab-gallery.js';
export { MediaLabProvenance } from './media-lab-provenance.js';
export { MediaLabWorkbench } from './media-lab-workbench.js';
export { MediaLabGraph, layoutGraph, type GraphNode, type GraphEdge, type GraphLayout } from './media-lab-graph.js';
export { MediaLabAudio } from './media-lab-audio.js';
export { MediaLabStatusBadge } from './media-lab-status-badge.js';
export { MediaLabProgress } from './media-lab-progress.js';
export { MediaLabToasts } from './media-lab-toasts.js';
export { PromptArtifactsElement } from './prompt-artifacts.js';
export { LabElement } from './lab-element.js';
export {
  ApiError,
  MediaLabClient,
  PromptQueueClient,
  clientFor,
  promptClientFor,
  DEFAULT_API,
  DEFAULT_PROMPTS_API,
  type ClientOptions,
  type ClientProblem,
  type JobFilters,
  type ArtifactFilters,
} from './api-client.js';
export { LabEventStream, type StreamMessage, type StreamState } from './event-stream.js';
export type { MediaLabEventMap, MediaLabEventName, ToastVariant } from './events.js';
// The wire contract: values from its zod-free files only (zod stays out of the bundle), types
// from the rest.
export { WORKFLOW_KINDS, JOB_STATUSES, TERMINAL_STATUSES, JOB_SOURCES, isTerminal } from '../contract/jobs.js';
export { MEDIA_KINDS, ARTIFACT_ROLES } from '../contract/media.js';
export { ADVICE, adviceFor } from '../contract/advice.js';
export type { WorkflowKind, JobStatus, TerminalStatus, JobSource } from '../contract/jobs.js';
export type { MediaKind, ArtifactRole } from '../contract/media.js';
export type { ErrorCode, FieldIssue } from '../contract/errors.js';
export type { JsonValue, JsonObject } from '../contract/json.js';
export type { Problem } from '../contract/problem.js';
export type { Job, JobDetail, PresetRef, SubmitJobResponse, AuditEvent } from '../contract/job.js';
export type { SourceInfo, SourceItem, SourcePage } from '../contract/sources.js';
export type { Artifact, ArtifactDetail, UploadedArtifact } from '../contract/artifact.js';
export type { Provenance, ProvenanceStep, ProvenanceArtifact, StaleReason, ModelRef } from '../contract/lineage.js';
export type { Page, Items } from '../contract/pages.js';
export type { Health } from '../contract/health.js';
export type { KindInfo, KindList, InputRule, JsonSchema } from '../contract/kinds.js';
export type { PresetInfo, PresetParameter, PresetList } from '../contract/presets.js';
export type { LabSocketMessage, JobProgress } from '../contract/socket.js';
export type { SubmitJobRequest } from '../contract/requests.js';
export type { PromptArtifact, PromptArtifacts, PromptArtifactStatus } from '../contract/prompts.js';
export type { Draft, DraftSummary, DraftResult, StepState, EdgeState, DraftRun, ExportResult, Freshness } from '../contract/workbench.js';
