// The fake's prompt queue and executor, message by message as ComfyUI v0.3.64 does it:
// queue put/get/task_done each broadcast `status`; a prompt sends execution_start,
// execution_cached (always), replays `executed` for cached output nodes, then per node
// progress_state(running) -> executing -> [progress] -> [executed] -> progress_state(finished);
// the end is execution_success | execution_error | execution_interrupted, then `status`, then
// the legacy `executing {node: null}`. Interrupts are checked at node boundaries (and at
// sampler steps). The output cache is shared across prompts and keeps the last prompt's nodes.
import { statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import type { ApiWorkflow, HistoryEntry, JsonObject, JsonValue, NodeUiOutput, ProgressNodeState, QueueItem, QueueState, StatusMessageEntry } from '../../bridge/types.js';
import { isLink } from '../../bridge/types.js';
import { annotatedInputPath } from './nodes/image.js';
import { NodeException, type FakeDirs, type NodeImpl, type NodeRunContext } from './nodes/types.js';
import type { FakeObjectInfo } from './object-info.js';
import { PromptHeap } from './prompt-heap.js';
import { PromptValidator } from './validate.js';
import type { WsHub } from './ws-hub.js';
import { dialectFor, isCanonicalUuid, type Dialect } from './dialect.js';

export interface EngineTiming {
  /** Added to every node that executes (slow mode). */
  nodeDelayMs: number;
  /** Extra per class_type. */
  delays: Record<string, number>;
  /** Per sampler step (KSampler, F5-TTS chunks). */
  stepDelayMs: number;
  /** Time between execution_success and the history entry (seen under load on real servers). */
  historyLagMs: number;
  /**
   * class_types that never finish while listed: the node keeps working and, like a sampler
   * between steps, stops only when interrupted (a prompt that would run forever).
   */
  hold: string[];
}

interface CacheEntry {
  outputs: unknown[];
  ui?: NodeUiOutput;
}

class Interrupted extends Error {}
class Superseded extends Error {}

const NEVER_CACHED = new Set(['SaveImageWebsocket']);

export class FakeEngine {
  private number = 0;
  private readonly heap = new PromptHeap();
  private running: QueueItem | null = null;
  private readonly history = new Map<string, HistoryEntry>();
  private cache = new Map<string, CacheEntry>();
  private interruptFlag = false;
  private generation = 0;
  /** Pending prompts cancelled through the jobs API (0.33): they never ran, yet the job is known. */
  private readonly cancelled = new Map<string, { item: QueueItem; at: number }>();
  private readonly created = new Map<string, number>();
  readonly validator: PromptValidator;

  constructor(
    private readonly hub: WsHub,
    private readonly catalog: FakeObjectInfo,
    private readonly dirs: FakeDirs,
    private readonly nodes: Map<string, NodeImpl>,
    readonly timing: EngineTiming,
    readonly dialect: Dialect = dialectFor(),
  ) {
    this.validator = new PromptValidator(catalog, dirs.input, dialect.unknownNodeType);
  }

  remaining(): number {
    return this.heap.size + (this.running ? 1 : 0);
  }

  queueState(): QueueState {
    return { queue_running: this.running ? [this.running] : [], queue_pending: [...this.heap.items] };
  }

  /** POST /prompt with a parsed JSON body. */
  submit(body: JsonObject): { status: number; body: JsonValue } {
    let number = typeof body.number === 'number' ? body.number : this.number;
    if (body.front === true) number = -number;
    this.number += 1; // rejected prompts use up a number too
    if (!('prompt' in body)) {
      return { status: 400, body: { error: { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} }, node_errors: {} } };
    }
    const prompt = body.prompt as unknown as ApiWorkflow;
    if (this.dialect.uuidPromptIds && 'prompt_id' in body && !isCanonicalUuid(String(body.prompt_id))) {
      const message = `Invalid prompt_id: ${String(body.prompt_id)} is not a canonical UUID`;
      return { status: 400, body: { error: { type: 'invalid_prompt', message, details: 'prompt_id', extra_info: {} }, node_errors: {} } };
    }
    const promptId = String(body.prompt_id ?? randomUUID());
    const targets = Array.isArray(body.partial_execution_targets) ? body.partial_execution_targets.map(String) : undefined;
    const result = this.validator.validate(prompt, targets);
    if (!result.ok) {
      return { status: 400, body: { error: result.error, node_errors: result.nodeErrors } as unknown as JsonValue };
    }
    const extra: JsonObject = typeof body.extra_data === 'object' && body.extra_data && !Array.isArray(body.extra_data) ? { ...body.extra_data } : {};
    if ('client_id' in body) extra.client_id = body.client_id;
    this.heap.push([number, promptId, prompt, extra, result.goodOutputs]);
    this.created.set(promptId, Date.now());
    this.queueUpdated();
    this.pump();
    return { status: 200, body: { prompt_id: promptId, number, node_errors: result.nodeErrors } as unknown as JsonValue };
  }

  deleteQueued(ids: string[]): void {
    for (const id of ids) if (this.heap.remove((item) => item[1] === id)) this.queueUpdated();
  }

  clearQueue(): void {
    this.heap.clear();
    this.queueUpdated();
  }

  /** With a prompt id, only that prompt is interrupted, and only if it is running. */
  interrupt(promptId?: string): void {
    if (promptId !== undefined && this.running?.[1] !== promptId) return; // "not currently running, skipping"
    this.interruptFlag = true;
  }

  historyEntry(id: string): HistoryEntry | undefined {
    return this.history.get(id);
  }

  historyList(maxItems?: number): Record<string, HistoryEntry> {
    const entries = [...this.history.entries()];
    const picked = maxItems !== undefined ? entries.slice(Math.max(0, entries.length - maxItems)) : entries;
    return Object.fromEntries(picked);
  }

  deleteHistory(ids: string[]): void {
    for (const id of ids) this.history.delete(id);
  }

  clearHistory(): void {
    this.history.clear();
  }

  // ---- the jobs API (0.33.x) ------------------------------------------------------------------

  /** GET /api/jobs/{id}: one job with its outputs, or undefined (404). */
  job(id: string): JsonObject | undefined {
    const entry = this.history.get(id);
    if (entry) return this.historyJob(id, entry, true);
    if (this.running?.[1] === id) return this.queueJob(this.running, 'in_progress');
    const pending = this.heap.items.find((item) => item[1] === id);
    if (pending) return this.queueJob(pending, 'pending');
    const gone = this.cancelled.get(id);
    if (gone) return { ...this.queueJob(gone.item, 'cancelled'), execution_end_time: gone.at, outputs: {} };
    return undefined;
  }

  /** GET /api/jobs: running, pending, then finished jobs, newest first, filtered by status. */
  jobs(query: { status?: string[]; limit?: number; offset?: number }): { jobs: JsonObject[]; total: number } {
    const all: JsonObject[] = [];
    if (this.running) all.push(this.queueJob(this.running, 'in_progress'));
    for (const item of this.heap.items) all.push(this.queueJob(item, 'pending'));
    for (const [id, entry] of this.history) all.push(this.historyJob(id, entry, false));
    for (const { item, at } of this.cancelled.values()) all.push({ ...this.queueJob(item, 'cancelled'), execution_end_time: at });
    const wanted = query.status?.length ? all.filter((job) => query.status?.includes(String(job.status))) : all;
    wanted.sort((a, b) => Number(b.create_time ?? 0) - Number(a.create_time ?? 0));
    const offset = query.offset ?? 0;
    const page = wanted.slice(offset, query.limit !== undefined ? offset + query.limit : undefined);
    return { jobs: page, total: wanted.length };
  }

  /**
   * POST /api/jobs/{id}/cancel: a pending job leaves the queue as `cancelled`, a running one is
   * interrupted (it ends as `cancelled`). Returns the job as it stands, or undefined (404).
   */
  cancelJob(id: string): { status: number; body: JsonObject } {
    const pending = this.heap.items.find((item) => item[1] === id);
    if (pending) {
      this.heap.remove((item) => item[1] === id);
      this.cancelled.set(id, { item: pending, at: Date.now() });
      this.queueUpdated();
      return { status: 200, body: this.job(id) as JsonObject };
    }
    if (this.running?.[1] === id) {
      this.interruptFlag = true;
      return { status: 200, body: this.queueJob(this.running, 'in_progress') };
    }
    const known = this.job(id);
    if (known) return { status: 409, body: { error: `Job ${id} has already finished`, job: known } };
    return { status: 404, body: { error: 'Job not found' } };
  }

  private queueJob(item: QueueItem, status: string): JsonObject {
    const [priority, id] = item;
    return { id, status, priority, create_time: this.created.get(id) ?? null, outputs_count: 0 };
  }

  private historyJob(id: string, entry: HistoryEntry, full: boolean): JsonObject {
    const messages = entry.status.messages;
    const at = (type: string) => messages.find(([t]) => t === type)?.[1];
    const interrupted = at('execution_interrupted');
    const status = entry.status.status_str === 'success' ? 'completed' : interrupted ? 'cancelled' : 'failed';
    const end = at('execution_success') ?? at('execution_error') ?? interrupted;
    let count = 0;
    for (const out of Object.values(entry.outputs)) for (const items of Object.values(out)) if (Array.isArray(items)) count += items.length;
    const job: JsonObject = {
      id,
      status,
      priority: entry.prompt[0],
      create_time: this.created.get(id) ?? null,
      execution_start_time: (at('execution_start')?.timestamp as number | undefined) ?? null,
      execution_end_time: (end?.timestamp as number | undefined) ?? null,
      outputs_count: count,
    };
    const error = at('execution_error');
    if (error) job.execution_error = error;
    if (full) {
      job.outputs = entry.outputs as unknown as JsonObject;
      job.execution_status = entry.status as unknown as JsonObject;
      job.workflow = { prompt: entry.prompt[2] as unknown as JsonObject, extra_data: entry.prompt[3] };
    }
    return job;
  }

  /** A restart: queue, running prompt, history and cache are gone; files on disk stay. */
  reset(): void {
    this.generation += 1;
    this.heap.clear();
    this.running = null;
    this.history.clear();
    this.cache.clear();
    this.cancelled.clear();
    this.created.clear();
    this.number = 0;
    this.interruptFlag = false;
  }

  private queueUpdated(): void {
    this.hub.broadcast('status', { status: { exec_info: { queue_remaining: this.remaining() } } });
  }

  private pump(): void {
    if (this.running || this.heap.size === 0) return;
    const item = this.heap.pop() as QueueItem;
    this.running = item;
    this.queueUpdated();
    const generation = this.generation;
    void this.execute(item, generation).catch((error: unknown) => {
      if (!(error instanceof Superseded)) console.error('fake ComfyUI engine failure', error);
    });
  }

  private async execute(item: QueueItem, generation: number): Promise<void> {
    const [, promptId, prompt, extra, outputsToExecute] = item;
    const clientId = typeof extra.client_id === 'string' ? extra.client_id : undefined;
    const send = (type: string, data: JsonObject) => this.hub.send(clientId, type, data);
    const check = () => {
      if (generation !== this.generation) throw new Superseded();
    };
    const messages: StatusMessageEntry[] = [];
    const record = (type: string, data: JsonObject) => {
      messages.push([type, data]);
      send(type, data);
    };

    this.interruptFlag = false;
    await sleep(0);
    check();
    record('execution_start', { prompt_id: promptId, timestamp: Date.now() });

    const order = executionOrder(prompt, outputsToExecute, (id) => this.catalog.spec(prompt[id].class_type)?.outputNode === true);
    const signatures = new Map<string, string>();
    for (const id of order) signatures.set(id, this.signature(prompt, id, signatures));
    const cached = order.filter((id) => !NEVER_CACHED.has(prompt[id].class_type) && this.cache.has(signatures.get(id) as string));
    record('execution_cached', { nodes: [...cached].sort(), prompt_id: promptId, timestamp: Date.now() });

    const values = new Map<string, unknown[]>();
    const ui = new Map<string, NodeUiOutput>();
    const states: Record<string, ProgressNodeState> = {};
    const executed: string[] = [];
    const stateOf = (id: string, state: string, value = 0, max = 1): ProgressNodeState => ({
      value,
      max,
      state,
      node_id: id,
      prompt_id: promptId,
      display_node_id: id,
      parent_node_id: null,
      real_node_id: id,
    });
    const sendStates = () => send('progress_state', { prompt_id: promptId, nodes: structuredClone(states) as unknown as JsonObject });

    for (const id of cached) {
      const entry = this.cache.get(signatures.get(id) as string) as CacheEntry;
      values.set(id, entry.outputs);
      executed.push(id);
      if (entry.ui) {
        ui.set(id, entry.ui);
        send('executed', { node: id, display_node: id, output: entry.ui as JsonObject, prompt_id: promptId });
        states[id] = stateOf(id, 'finished', 1, 1);
        sendStates();
      }
    }

    let outcome: { type: 'success' } | { type: 'error'; data: JsonObject } | { type: 'interrupted'; data: JsonObject } = { type: 'success' };
    let current: string | null = null;
    try {
      for (const id of order) {
        if (values.has(id)) continue;
        current = id;
        const node = prompt[id];
        states[id] = stateOf(id, 'running');
        sendStates();
        send('executing', { node: id, display_node: id, prompt_id: promptId });
        await sleep(0);
        check();
        if (this.interruptFlag) throw new Interrupted();
        const impl = this.nodes.get(node.class_type);
        if (!impl) {
          throw new NodeException('RuntimeError', `The fake ComfyUI cannot run ${node.class_type}; register a stand-in with registerNode().\n`);
        }
        const inputs = resolveInputs(node.inputs, values);
        const delay = this.timing.nodeDelayMs + (this.timing.delays[node.class_type] ?? 0);
        if (delay > 0) await sleep(delay);
        check();
        while (this.timing.hold.includes(node.class_type)) {
          await sleep(10);
          check();
          if (this.interruptFlag) throw new Interrupted();
        }
        const ctx: NodeRunContext = {
          promptId,
          nodeId: id,
          classType: node.class_type,
          inputs,
          dirs: this.dirs,
          step: async (value, max) => {
            send('progress', { value, max, prompt_id: promptId, node: id });
            states[id] = stateOf(id, 'running', value, max);
            sendStates();
            if (this.timing.stepDelayMs > 0) await sleep(this.timing.stepDelayMs);
            else await sleep(0);
            check();
            if (this.interruptFlag) throw new Interrupted();
          },
          sendPreview: (png) => {
            const progress = { value: 0, max: 1, prompt_id: promptId, node: id };
            const meta = { node_id: id, prompt_id: promptId, display_node_id: id, parent_node_id: null, real_node_id: id };
            if (this.hub.supportsPreviewMetadata(clientId)) {
              this.hub.sendPreview(clientId, png, meta);
              send('progress', progress);
            } else {
              send('progress', progress);
              this.hub.sendPreview(clientId, png, meta);
            }
          },
        };
        const result = await impl(ctx);
        check();
        values.set(id, result.outputs ?? []);
        executed.push(id);
        if (!NEVER_CACHED.has(node.class_type)) this.cache.set(signatures.get(id) as string, { outputs: result.outputs ?? [], ui: result.ui });
        if (result.ui && this.catalog.spec(node.class_type)?.outputNode) {
          ui.set(id, result.ui);
          send('executed', { node: id, display_node: id, output: result.ui as JsonObject, prompt_id: promptId });
        }
        states[id] = stateOf(id, 'finished', 1, 1);
        sendStates();
      }
      current = null;
    } catch (error) {
      if (error instanceof Superseded) throw error;
      const node = current ? prompt[current] : undefined;
      if (error instanceof Interrupted) {
        outcome = {
          type: 'interrupted',
          data: { prompt_id: promptId, node_id: current, node_type: node?.class_type ?? null, executed: shuffled(executed), timestamp: Date.now() },
        };
      } else {
        const ex = error instanceof NodeException ? error : new NodeException((error as Error).name || 'Exception', `${(error as Error).message}\n`);
        outcome = {
          type: 'error',
          data: {
            prompt_id: promptId,
            node_id: current,
            node_type: node?.class_type ?? null,
            executed: shuffled(executed),
            exception_message: ex.message,
            exception_type: ex.exceptionType,
            traceback: [
              '  File "/srv/comfyui/execution.py", line 496, in execute\n    output_data, output_ui, has_subgraph, has_pending_tasks = await get_output_data(...)\n',
              `  File "fake_comfy/nodes.py", line 1, in ${node?.class_type ?? 'node'}\n`,
            ],
            current_inputs: Object.fromEntries(Object.entries(node?.inputs ?? {}).map(([k, v]) => [k, [isLink(v) ? `<${k}>` : v]])),
            current_outputs: Object.keys(prompt),
            timestamp: Date.now(),
          },
        };
      }
    }

    // The classic cache keeps the entries of the latest prompt only.
    const keep = new Set(signatures.values());
    this.cache = new Map([...this.cache].filter(([key]) => keep.has(key)));

    if (outcome.type === 'success') record('execution_success', { prompt_id: promptId, timestamp: Date.now() });
    else record(outcome.type === 'error' ? 'execution_error' : 'execution_interrupted', outcome.data);

    if (this.timing.historyLagMs > 0) await sleep(this.timing.historyLagMs);
    check();

    const outputs: Record<string, NodeUiOutput> = {};
    const meta: Record<string, JsonObject> = {};
    for (const id of order) {
      const out = ui.get(id);
      if (!out || Object.keys(out).length === 0) continue;
      outputs[id] = out;
      meta[id] = { node_id: id, display_node: id, parent_node: null, real_node_id: id };
    }
    this.history.set(promptId, {
      prompt: item,
      outputs,
      status: { status_str: outcome.type === 'success' ? 'success' : 'error', completed: outcome.type === 'success', messages },
      meta,
    });
    this.running = null;
    this.queueUpdated();
    send('executing', { node: null, prompt_id: promptId });
    this.pump();
  }

  private signature(prompt: ApiWorkflow, id: string, known: Map<string, string>): string {
    const cachedSig = known.get(id);
    if (cachedSig) return cachedSig;
    const node = prompt[id];
    const parts: unknown[] = [node.class_type];
    for (const [name, value] of Object.entries(node.inputs).sort(([a], [b]) => a.localeCompare(b))) {
      parts.push(name, isLink(value) ? ['link', this.signature(prompt, value[0], known), value[1]] : value);
    }
    if (node.class_type === 'LoadImage' || node.class_type === 'LoadAudio') {
      const key = node.class_type === 'LoadImage' ? 'image' : 'audio';
      try {
        const st = statSync(annotatedInputPath(this.dirs.input, String(node.inputs[key])));
        parts.push('changed', st.mtimeMs, st.size); // IS_CHANGED: the file's content may change
      } catch {
        parts.push('missing');
      }
    }
    const sig = JSON.stringify(parts);
    known.set(id, sig);
    return sig;
  }
}

function resolveInputs(inputs: Record<string, JsonValue>, values: Map<string, unknown[]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(inputs)) out[name] = isLink(value) ? values.get(value[0])?.[value[1]] : value;
  return out;
}

function shuffled<T>(list: T[]): T[] {
  // ComfyUI sends a Python set: the order means nothing
  return [...list].reverse();
}

/**
 * ComfyUI's ExecutionList, simplified: stage nodes depth-first from each output (inputs in
 * reverse), then repeatedly run a ready node, preferring output nodes. This reproduces the
 * recorded orders (2,1,3,4,5 for the blend; outputs first when ready for the audio graph).
 */
export function executionOrder(prompt: ApiWorkflow, outputs: string[], isOutput: (id: string) => boolean): string[] {
  const staged: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id) || !prompt[id]) return;
    seen.add(id);
    const links = Object.values(prompt[id].inputs).filter(isLink);
    for (const link of links.reverse()) visit(link[0]);
    staged.push(id);
  };
  for (const id of [...outputs].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))) visit(id);
  const deps = new Map(staged.map((id) => [id, Object.values(prompt[id].inputs).filter(isLink).map((l) => l[0])]));
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < staged.length) {
    const ready = staged.filter((id) => !done.has(id) && (deps.get(id) ?? []).every((d) => done.has(d)));
    const pick = ready.find(isOutput) ?? ready[0];
    order.push(pick);
    done.add(pick);
  }
  return order;
}
