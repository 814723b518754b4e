// Plain interfaces for ComfyUI's HTTP + WebSocket protocol (as recorded from v0.3.64) and for
// Media Lab presets. Nothing here does I/O.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

// ---------------------------------------------------------------------------------------------
// API-format workflows ("Export (API)" in the ComfyUI editor)

export type NodeId = string;
/** A link from another node's output slot: `["4", 0]`. */
export type NodeLink = [NodeId, number];

export interface ApiNode {
  class_type: string;
  inputs: Record<string, JsonValue>;
  _meta?: { title?: string };
}

export type ApiWorkflow = Record<NodeId, ApiNode>;

export function isLink(value: unknown): value is NodeLink {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && Number.isInteger(value[1]);
}

// ---------------------------------------------------------------------------------------------
// HTTP answers

/** One file a node wrote: what `/view` takes back. */
export interface OutputFile {
  filename: string;
  subfolder: string;
  type: string; // 'output' | 'temp' | 'input'
}

/** A node's UI output, e.g. `{ images: [...] }` or `{ audio: [...] }`. */
export type NodeUiOutput = Record<string, JsonValue>;

/** `[number, prompt_id, prompt, extra_data, outputs_to_execute]` */
export type QueueItem = [number, string, ApiWorkflow, JsonObject, NodeId[]];

export interface QueueState {
  queue_running: QueueItem[];
  queue_pending: QueueItem[];
}

export type StatusMessageEntry = [string, JsonObject];

export interface HistoryEntry {
  prompt: QueueItem;
  outputs: Record<NodeId, NodeUiOutput>;
  status: { status_str: 'success' | 'error'; completed: boolean; messages: StatusMessageEntry[] };
  meta: Record<NodeId, JsonObject>;
}

export interface SubmitResult {
  promptId: string;
  number: number;
  /** Non-empty when some outputs failed validation but others were queued anyway. */
  nodeErrors: Record<NodeId, ComfyNodeError>;
}

export interface ComfyErrorDetail {
  type: string;
  message: string;
  details: string;
  extra_info: JsonObject;
}

export interface ComfyNodeError {
  errors: ComfyErrorDetail[];
  dependent_outputs: NodeId[];
  class_type: string;
}

/** The JSON body of a 400 from POST /prompt. */
export interface PromptRejection {
  error: ComfyErrorDetail;
  node_errors: Record<NodeId, ComfyNodeError>;
}

export interface UploadResult {
  name: string;
  subfolder: string;
  type: string;
}

export interface SystemStats {
  system: JsonObject & { comfyui_version?: string };
  devices: JsonObject[];
}

// ---------------------------------------------------------------------------------------------
// The jobs API of ComfyUI 0.33.x (GET /api/jobs/{id}, POST /api/jobs/{id}/cancel)

export type ComfyJobStatus = 'pending' | 'in_progress' | 'completed' | 'failed' | 'cancelled';

/** One job as GET /api/jobs/{id} answers it (outputs and execution_status once it finished). */
export interface ComfyJob {
  id: string;
  status: ComfyJobStatus;
  priority?: number;
  create_time?: number | null;
  execution_start_time?: number | null;
  execution_end_time?: number | null;
  execution_error?: JsonObject;
  outputs_count?: number;
  outputs?: Record<NodeId, NodeUiOutput>;
  execution_status?: HistoryEntry['status'];
}

/** What a backend is, as far as the bridge needs to know. */
export interface ServerInfo {
  /** /system_stats `comfyui_version`; null when it does not say. */
  version: string | null;
  /** The server answers the jobs API (0.33.x and later). */
  jobsApi: boolean;
}

// ---------------------------------------------------------------------------------------------
// /object_info

/** A node class as /object_info describes it (V1 and V3 nodes share this outer shape). */
export interface NodeClassInfo {
  input: { required?: Record<string, RawInputSpec>; optional?: Record<string, RawInputSpec>; hidden?: Record<string, unknown> };
  input_order?: Record<string, string[]>;
  output: string[];
  output_is_list?: boolean[];
  output_name?: string[];
  name: string;
  display_name?: string | null;
  description?: string;
  python_module?: string;
  category?: string;
  output_node: boolean;
  [extra: string]: unknown;
}

/**
 * An input spec in either format: V1 `["INT", {...}]`, `[["a","b"]]`, `[["a"], {...}]`, or V3
 * `["COMBO", { options: [...] }]`.
 */
export type RawInputSpec = [string | JsonValue[], JsonObject?] | [string | JsonValue[]];

export type ObjectInfo = Record<string, NodeClassInfo>;

/** One input, normalised from either format. */
export interface InputSpec {
  name: string;
  required: boolean;
  /** INT, FLOAT, STRING, BOOLEAN, COMBO, or a link type (IMAGE, MODEL, ...). */
  type: string;
  isLinkType: boolean;
  options?: JsonValue[];
  default?: JsonValue;
  min?: number;
  max?: number;
  step?: number;
  multiline?: boolean;
  /** The file list comes from the input folder (LoadImage/LoadAudio): uploads are valid values. */
  upload?: 'image' | 'audio';
  tooltip?: string;
}

export interface NodeClassSpec {
  classType: string;
  inputs: InputSpec[];
  outputs: string[];
  outputNode: boolean;
  displayName: string;
}

// ---------------------------------------------------------------------------------------------
// WebSocket messages

export interface ProgressNodeState {
  value: number;
  max: number;
  state: 'pending' | 'running' | 'finished' | 'error' | string;
  node_id: string;
  prompt_id: string;
  display_node_id?: string;
  parent_node_id?: string | null;
  real_node_id?: string;
}

export interface ExecutionErrorData {
  prompt_id: string;
  node_id: string;
  node_type: string;
  executed: NodeId[];
  exception_message: string;
  exception_type: string;
  traceback: string[];
  current_inputs: JsonObject;
  current_outputs: JsonValue;
  timestamp?: number;
}

export interface ExecutionInterruptedData {
  prompt_id: string;
  node_id: string;
  node_type: string;
  executed: NodeId[];
  timestamp?: number;
}

export type ComfyMessage =
  | { type: 'status'; data: { status: { exec_info: { queue_remaining: number } }; sid?: string } }
  | { type: 'feature_flags'; data: JsonObject }
  | { type: 'execution_start'; data: { prompt_id: string; timestamp?: number } }
  | { type: 'execution_cached'; data: { nodes: NodeId[]; prompt_id: string; timestamp?: number } }
  | { type: 'executing'; data: { node: NodeId | null; display_node?: NodeId; prompt_id: string } }
  | { type: 'progress'; data: { value: number; max: number; prompt_id: string; node: NodeId } }
  | { type: 'progress_state'; data: { prompt_id: string; nodes: Record<NodeId, ProgressNodeState> } }
  | { type: 'executed'; data: { node: NodeId; display_node?: NodeId; output: NodeUiOutput; prompt_id: string } }
  | { type: 'execution_success'; data: { prompt_id: string; timestamp?: number } }
  | { type: 'execution_error'; data: ExecutionErrorData }
  | { type: 'execution_interrupted'; data: ExecutionInterruptedData };

/** A binary WebSocket frame, decoded. */
export type BinaryFrame =
  | { event: 'preview'; format: 'jpeg' | 'png' | 'unknown'; mime: string; image: Buffer; promptId?: string; nodeId?: string }
  | { event: 'text'; nodeId: string; text: string }
  | { event: 'unknown'; code: number; bytes: number };

// ---------------------------------------------------------------------------------------------
// Following a prompt

export interface ExecutionFailure {
  nodeId: string;
  nodeType: string;
  exceptionType: string;
  exceptionMessage: string;
}

export type PromptOutcome =
  | { status: 'success'; promptId: string; outputs: Record<NodeId, NodeUiOutput>; cachedNodes: NodeId[] }
  | { status: 'error'; promptId: string; outputs: Record<NodeId, NodeUiOutput>; failure: ExecutionFailure }
  | { status: 'interrupted'; promptId: string; nodeId: string | null; nodeType: string | null };

/** Where a prompt is on a server, from /queue and /history. */
export type PromptLocation =
  | { state: 'pending' }
  | { state: 'running' }
  | { state: 'finished'; outcome: PromptOutcome }
  | { state: 'unknown' };

export interface PromptProgress {
  /** 0..1, weighted by the prompt's nodes; cached nodes count as done. */
  fraction: number;
  phase: 'queued' | 'running' | 'finished';
  /** The node executing now. */
  nodeId: string | null;
  classType: string | null;
  cachedNodes: number;
}

// ---------------------------------------------------------------------------------------------
// Presets

export const PARAMETER_TYPES = ['text', 'string', 'integer', 'number', 'boolean', 'seed', 'enum', 'image', 'audio'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

export interface ParameterTarget {
  node: NodeId;
  input: string;
}

/** When an optional parameter is empty, these nodes are skipped: links to their output slots go to the named input instead. */
export interface BypassRule {
  node: NodeId;
  /** Output slot ("0") -> the input of the same node whose link replaces it. */
  passthrough: Record<string, string>;
}

export interface ParameterSpec {
  name: string;
  type: ParameterType;
  description?: string;
  default?: JsonValue;
  /** Required parameters have no default and must be given. */
  required?: boolean;
  min?: number;
  max?: number;
  step?: number;
  options?: string[];
  /** seed: pick a random value at submission when none is given. */
  randomize?: boolean;
  targets: ParameterTarget[];
  bypassWhenEmpty?: BypassRule[];
  /** Script presets: the script option (`--blend_factor3`) this parameter is passed as. */
  option?: string;
}

/** A node input computed from parameters, e.g. normalised blend weights. */
export interface DerivedInput {
  node: NodeId;
  input: string;
  /** Arithmetic over parameter names: + - * / ( ), min(), max(), has(name). */
  expression: string;
  round?: 'integer';
}

export interface CustomNodeRequirement {
  classType: string;
  package: string;
  repository?: string;
}

export interface PresetManifest {
  name: string;
  kind: 'generate' | 'blend' | 'music' | 'voice';
  description: string;
  /** Lower comes first in lists (GET /presets, the job form); absent: after the ordered ones, by name. */
  order?: number;
  parameters: ParameterSpec[];
  derived: DerivedInput[];
  /** Nodes whose files are the job's outputs (default: every SaveImage/SaveAudio-like node). */
  outputs: NodeId[];
  requires: { customNodes: CustomNodeRequirement[] };
  /**
   * The longest one attempt of a job with this preset may run, in ms (null: no limit); absent:
   * the kind's limit (the `timeouts` option) applies.
   */
  timeout?: number | null;
}

/** A script preset's script (exported by ComfyUI-SaveAsScript): stored with the version, run as stored. */
export interface PresetScript {
  /** The file name in the preset folder (`script.py`). */
  file: string;
  /** SHA-256 of the text. */
  sha256: string;
  text: string;
  /** Its argparse options, read from the text (never by running it). */
  options: Array<{ flag: string; flags: string[]; dest: string; default?: JsonValue; type?: string; action?: string; node?: { id: string; input: string; title: string } }>;
}

/** Everything that makes a preset version: immutable once stored. */
export interface PresetDefinition {
  manifest: PresetManifest;
  /** The API workflow; for a script preset, the one its script embeds (PROMPT_DATA), or {}. */
  workflow: ApiWorkflow;
  /** Script presets only: run by the script executor instead of being sent to a ComfyUI server. */
  script?: PresetScript;
}

export interface PresetVersion {
  id: string;
  name: string;
  version: number;
  hash: string;
  kind: PresetManifest['kind'];
  source: 'shipped' | 'api' | 'file';
  createdAt: string;
  definition: PresetDefinition;
}

export interface PresetProblem {
  /** File or folder the problem was found in (or `api`). */
  source: string;
  name: string | null;
  message: string;
  at: string;
}
