// The job vocabulary every layer shares: workflow kinds and statuses. No imports: the bridge,
// the server and the browser bundle all read it.

export const WORKFLOW_KINDS = ['generate', 'blend', 'enhance', 'interpolate', 'music', 'voice'] as const;
export type WorkflowKind = (typeof WORKFLOW_KINDS)[number];

/**
 * What a job row's `workflow` may be: one of the six kinds, or `chain`, a job whose children
 * are jobs (one per step). A chain has no executor and takes no lane slot: the chain engine
 * (plugin/chains/) queues its steps and settles it; the worker claims only the six kinds.
 */
export const JOB_WORKFLOWS = [...WORKFLOW_KINDS, 'chain'] as const;
export type JobWorkflow = (typeof JOB_WORKFLOWS)[number];

export function isWorkflowKind(workflow: unknown): workflow is WorkflowKind {
  return (WORKFLOW_KINDS as readonly unknown[]).includes(workflow);
}

/** The kinds ComfyUI runs (from presets); the others run locally (enhance, interpolate). */
export const COMFY_KINDS = ['generate', 'blend', 'music', 'voice'] as const satisfies readonly WorkflowKind[];
export type ComfyKind = (typeof COMFY_KINDS)[number];

export function isComfyKind(kind: unknown): kind is ComfyKind {
  return (COMFY_KINDS as readonly unknown[]).includes(kind);
}

export const JOB_STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** States a job leaves only by an admin's retry. */
export const TERMINAL_STATUSES = ['SUCCEEDED', 'FAILED', 'CANCELLED'] as const satisfies readonly JobStatus[];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export function isTerminal(status: JobStatus): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly JobStatus[]).includes(status);
}

/** Where a job came from: the lab's own form, or the host's prompt queue. */
export const JOB_SOURCES = ['lab', 'prompt-queue'] as const;
export type JobSource = (typeof JOB_SOURCES)[number];
