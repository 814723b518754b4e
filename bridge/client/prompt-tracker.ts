// Folds one prompt's WebSocket messages into its state: phase, node-weighted progress, outputs
// seen, and the outcome once a terminal message arrives. Pure: no I/O.
import type { ApiWorkflow, ComfyJob, ComfyMessage, HistoryEntry, NodeUiOutput, PromptOutcome, PromptProgress } from '../types.js';

/** Sampling (and speech synthesis) dominates run time: such nodes count more than plumbing nodes. */
export function nodeWeight(classType: string): number {
  return /sampler|tts|sample/i.test(classType) ? 10 : 1;
}

export class PromptTracker {
  phase: PromptProgress['phase'] = 'queued';
  readonly outputs: Record<string, NodeUiOutput> = {};
  readonly cached = new Set<string>();
  outcome: PromptOutcome | null = null;
  private readonly done = new Set<string>();
  private current: string | null = null;
  private partial = 0;
  private weights = new Map<string, number>();
  private total = 0;
  private classes = new Map<string, string>();

  constructor(
    readonly promptId: string,
    prompt: ApiWorkflow | null = null,
  ) {
    if (prompt) this.setPrompt(prompt);
  }

  /** The nodes to weigh (known up front for our own prompts; from /queue when re-following). */
  setPrompt(prompt: ApiWorkflow): void {
    this.weights = new Map(Object.entries(prompt).map(([id, node]) => [id, nodeWeight(node.class_type)]));
    this.total = [...this.weights.values()].reduce((a, b) => a + b, 0);
    this.classes = new Map(Object.entries(prompt).map(([id, node]) => [id, node.class_type]));
  }

  /** Applies a message; returns true when it belongs to this prompt. */
  apply(message: ComfyMessage): boolean {
    const data = message.data as { prompt_id?: string };
    if (!data || data.prompt_id !== this.promptId) return false;
    switch (message.type) {
      case 'execution_start':
        this.phase = 'running';
        break;
      case 'execution_cached':
        this.phase = 'running';
        for (const id of message.data.nodes) {
          this.cached.add(id);
          this.done.add(id);
        }
        break;
      case 'executing':
        this.phase = 'running';
        if (this.current) this.done.add(this.current);
        this.current = message.data.node;
        this.partial = 0;
        if (message.data.node === null) this.phase = this.outcome ? 'finished' : this.phase;
        break;
      case 'progress':
        if (message.data.node === this.current && message.data.max > 0) this.partial = Math.min(1, message.data.value / message.data.max);
        break;
      case 'progress_state':
        for (const [id, state] of Object.entries(message.data.nodes)) {
          if (state.state === 'finished') this.done.add(id);
          else if (state.state === 'running' && id === this.current && state.max > 0) this.partial = Math.min(1, state.value / state.max);
        }
        break;
      case 'executed':
        this.outputs[message.data.node] = message.data.output;
        this.done.add(message.data.node);
        break;
      case 'execution_success':
        this.phase = 'finished';
        if (this.current) this.done.add(this.current);
        this.current = null;
        this.outcome = { status: 'success', promptId: this.promptId, outputs: { ...this.outputs }, cachedNodes: [...this.cached] };
        break;
      case 'execution_error':
        this.phase = 'finished';
        this.outcome = {
          status: 'error',
          promptId: this.promptId,
          outputs: { ...this.outputs },
          failure: {
            nodeId: String(message.data.node_id),
            nodeType: String(message.data.node_type),
            exceptionType: String(message.data.exception_type),
            exceptionMessage: String(message.data.exception_message),
          },
        };
        break;
      case 'execution_interrupted':
        this.phase = 'finished';
        this.outcome = { status: 'interrupted', promptId: this.promptId, nodeId: message.data.node_id ?? null, nodeType: message.data.node_type ?? null };
        break;
      default:
        break;
    }
    return true;
  }

  progress(): PromptProgress {
    let fraction: number;
    if (this.outcome?.status === 'success') fraction = 1;
    else if (this.total > 0) {
      let sum = 0;
      for (const id of this.done) sum += this.weights.get(id) ?? 0;
      if (this.current && !this.done.has(this.current)) sum += (this.weights.get(this.current) ?? 0) * this.partial;
      fraction = Math.min(1, sum / this.total);
    } else fraction = 0;
    return {
      fraction,
      phase: this.phase,
      nodeId: this.current,
      classType: this.current ? (this.classes.get(this.current) ?? null) : null,
      cachedNodes: this.cached.size,
    };
  }
}

/** The outcome a finished history entry records (`messages` tell interrupted from failed). */
export function outcomeFromHistory(promptId: string, entry: HistoryEntry): PromptOutcome {
  const messages = entry.status?.messages ?? [];
  const cachedNodes = messages.filter(([type]) => type === 'execution_cached').flatMap(([, data]) => (Array.isArray(data.nodes) ? data.nodes.map(String) : []));
  if (entry.status?.status_str === 'success') return { status: 'success', promptId, outputs: entry.outputs ?? {}, cachedNodes };
  const interrupted = messages.find(([type]) => type === 'execution_interrupted');
  if (interrupted) {
    const data = interrupted[1];
    return { status: 'interrupted', promptId, nodeId: data.node_id ? String(data.node_id) : null, nodeType: data.node_type ? String(data.node_type) : null };
  }
  const error = messages.find(([type]) => type === 'execution_error')?.[1];
  return {
    status: 'error',
    promptId,
    outputs: entry.outputs ?? {},
    failure: {
      nodeId: String(error?.node_id ?? '?'),
      nodeType: String(error?.node_type ?? '?'),
      exceptionType: String(error?.exception_type ?? 'Error'),
      exceptionMessage: String(error?.exception_message ?? 'the prompt failed (no details in history)'),
    },
  };
}

/**
 * The outcome of a finished job from the jobs API (0.33.x): its status says completed, failed or
 * cancelled outright; the messages still give the failing node and the cached nodes.
 */
export function outcomeFromJob(promptId: string, job: ComfyJob): PromptOutcome {
  const messages = job.execution_status?.messages ?? [];
  if (job.status === 'cancelled') {
    const data = messages.find(([type]) => type === 'execution_interrupted')?.[1];
    return { status: 'interrupted', promptId, nodeId: data?.node_id ? String(data.node_id) : null, nodeType: data?.node_type ? String(data.node_type) : null };
  }
  const status: HistoryEntry['status'] = job.execution_status ?? { status_str: job.status === 'completed' ? 'success' : 'error', completed: job.status === 'completed', messages: [] };
  if (job.status === 'failed' && job.execution_error && !messages.some(([type]) => type === 'execution_error')) {
    status.messages = [...messages, ['execution_error', job.execution_error]];
  }
  const entry = { outputs: job.outputs ?? {}, status, prompt: [0, promptId, {}, {}, []], meta: {} } as HistoryEntry;
  return outcomeFromHistory(promptId, entry);
}
