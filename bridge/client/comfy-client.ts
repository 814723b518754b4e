// A client for one ComfyUI server: HTTP endpoints plus WebSocket-driven prompt following.
//
//   const watch = await client.watch(promptId, { prompt, onProgress });  // listen first:
//   await client.submit(prompt, { promptId, clientId: watch.clientId });  // messages can beat the reply
//   watch.arm();
//   const outcome = await watch.outcome;
import { randomUUID } from 'node:crypto';
import { ComfyUnreachableError } from '../errors.js';
import type { ApiWorkflow, ComfyJob, PromptLocation, PromptOutcome, ServerInfo, SystemStats } from '../types.js';
import { sleep } from './backoff.js';
import { ComfyHttp, type SubmitOptions } from './http.js';
import { outcomeFromHistory, outcomeFromJob } from './prompt-tracker.js';
import { PromptWatch, type WatchCallbacks } from './prompt-watch.js';
import { ComfySocket, type ReconnectSettings } from './socket.js';

export interface ComfyClientSettings {
  name: string;
  url: string;
  headers?: Record<string, string>;
  /** Our WebSocket client id on this server (default: a new `medialab-<uuid>`). */
  clientId?: string;
  requestTimeoutMs?: number;
  reconnect?: Partial<ReconnectSettings>;
  /** Settle over HTTP after this long without a message about a prompt. */
  watchdogMs?: number;
  pollWhileDisconnectedMs?: number;
  /** History can lag behind execution_success: re-read it after these delays before giving up. */
  historyRetryDelaysMs?: number[];
}

export interface WatchOptions extends WatchCallbacks {
  /** Follow under another client id (a prompt submitted by an earlier process). */
  clientId?: string;
  /** The prompt's nodes, for node-weighted progress. */
  prompt?: ApiWorkflow | null;
}

export type CancelResult = 'dequeued' | 'interrupted' | 'not-found';

const DEFAULT_RECONNECT: ReconnectSettings = { baseMs: 250, maxMs: 5_000, giveUpAfterMs: 30_000 };

export class ComfyClient {
  readonly http: ComfyHttp;
  readonly clientId: string;
  private readonly sockets = new Map<string, { socket: ComfySocket; refs: number }>();
  private readonly reconnect: ReconnectSettings;
  private readonly historyDelays: number[];
  private statusListeners = new Set<(remaining: number) => void>();
  private closed = false;
  private info: ServerInfo | null = null;
  private probing: Promise<ServerInfo> | null = null;

  constructor(private readonly settings: ComfyClientSettings) {
    this.http = new ComfyHttp({ name: settings.name, url: settings.url, headers: settings.headers, requestTimeoutMs: settings.requestTimeoutMs ?? 15_000 });
    this.clientId = settings.clientId ?? `medialab-${randomUUID()}`;
    this.reconnect = { ...DEFAULT_RECONNECT, ...settings.reconnect };
    this.historyDelays = settings.historyRetryDelaysMs ?? [25, 50, 100, 200, 400, 800];
  }

  get name(): string {
    return this.settings.name;
  }

  get url(): string {
    return this.http.base;
  }

  /** The server's version and dialect as last seen (null before the first look). */
  get server(): ServerInfo | null {
    return this.info;
  }

  /**
   * Learns the server's version and whether it has the jobs API. Pass the /system_stats answer a
   * health check already has; the jobs API is probed again only when the version changed.
   */
  async describeServer(stats?: SystemStats, signal?: AbortSignal): Promise<ServerInfo> {
    const answer = stats ?? (await this.http.systemStats(signal));
    const version = typeof answer.system?.comfyui_version === 'string' ? answer.system.comfyui_version : null;
    if (this.info && this.info.version === version) return this.info;
    const jobsApi = await this.http.hasJobsApi(signal);
    this.info = { version, jobsApi };
    return this.info;
  }

  /** The server info, looked up once if no health check has done it yet. */
  private async serverInfo(signal?: AbortSignal): Promise<ServerInfo> {
    if (this.info) return this.info;
    this.probing ??= this.describeServer(undefined, signal).finally(() => (this.probing = null));
    return this.probing;
  }

  /** Opens our own socket (for live queue depth) without waiting for it. */
  connect(): void {
    this.socketFor(this.clientId).socket.connect();
  }

  /** Queue depth from `status` broadcasts on our socket. */
  onStatus(listener: (queueRemaining: number) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  socketConnected(clientId = this.clientId): boolean {
    return this.sockets.get(clientId)?.socket.connected ?? false;
  }

  /** Drops our socket as a network failure would (it reconnects by itself). */
  dropSocket(clientId = this.clientId): void {
    this.sockets.get(clientId)?.socket.drop();
  }

  /** Starts listening for a prompt's messages. Call before submitting, then `arm()` after. */
  async watch(promptId: string, options: WatchOptions = {}): Promise<PromptWatch> {
    const clientId = options.clientId ?? this.clientId;
    const socket = this.acquire(clientId);
    try {
      await socket.ready();
    } catch (error) {
      this.release(clientId);
      throw new ComfyUnreachableError(this.name, (error as Error).message, { cause: error });
    }
    return new PromptWatch(
      promptId,
      options.prompt ?? null,
      {
        backend: this.name,
        socket,
        locate: (id) => this.locate(id),
        confirm: (id, fromSocket) => this.confirm(id, fromSocket),
        release: () => this.release(clientId),
      },
      {
        watchdogMs: this.settings.watchdogMs ?? 10_000,
        pollWhileDisconnectedMs: this.settings.pollWhileDisconnectedMs ?? 1_000,
        giveUpAfterMs: this.reconnect.giveUpAfterMs,
      },
      { onProgress: options.onProgress, onPreview: options.onPreview },
    );
  }

  submit(prompt: ApiWorkflow, options: SubmitOptions, signal?: AbortSignal) {
    return this.http.submit(prompt, { clientId: this.clientId, ...options }, signal);
  }

  /** Submits and follows to the outcome. */
  async run(prompt: ApiWorkflow, options: WatchOptions & { promptId?: string } = {}): Promise<{ promptId: string; outcome: PromptOutcome }> {
    const promptId = options.promptId ?? randomUUID();
    const watch = await this.watch(promptId, { ...options, prompt });
    try {
      await this.submit(prompt, { promptId, clientId: watch.clientId });
    } catch (error) {
      watch.close();
      throw error;
    }
    watch.arm();
    return { promptId, outcome: await watch.outcome };
  }

  /**
   * Where a prompt is. /queue first: a prompt leaves the queue and enters history in one step,
   * so "not in the queue, then not in history" means lost, after a few re-reads for the lag.
   */
  async locate(promptId: string, signal?: AbortSignal): Promise<PromptLocation> {
    if ((await this.serverInfo(signal)).jobsApi) {
      // One answer, wherever the prompt is: a 404 means the server does not know it.
      const job = await this.http.job(promptId, signal);
      return locationOfJob(promptId, job);
    }
    const queue = await this.http.queue(signal);
    if (queue.queue_running.some((item) => item[1] === promptId)) return { state: 'running' };
    if (queue.queue_pending.some((item) => item[1] === promptId)) return { state: 'pending' };
    for (const delay of [0, ...this.historyDelays]) {
      if (delay) await sleep(delay, signal);
      const entry = await this.http.history(promptId, signal);
      if (entry) return { state: 'finished', outcome: outcomeFromHistory(promptId, entry) };
    }
    return { state: 'unknown' };
  }

  /** The prompt as queued (for re-following: node weights), if it is still queued or running. */
  async queuedPrompt(promptId: string): Promise<ApiWorkflow | null> {
    const queue = await this.http.queue();
    const item = [...queue.queue_running, ...queue.queue_pending].find((i) => i[1] === promptId);
    return item ? item[2] : null;
  }

  /**
   * Cancels only our prompt: deleted while pending, interrupted while running. With the jobs API
   * it is one call by id; older servers need /queue, then a delete or an interrupt.
   */
  async cancel(promptId: string): Promise<CancelResult> {
    if ((await this.serverInfo()).jobsApi) {
      const { job } = await this.http.cancelJob(promptId);
      if (!job) return 'not-found';
      return job.status === 'in_progress' ? 'interrupted' : 'dequeued';
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const queue = await this.http.queue();
      if (queue.queue_pending.some((item) => item[1] === promptId)) {
        await this.http.deleteQueued([promptId]);
        continue; // it may have started meanwhile: look again
      }
      if (queue.queue_running.some((item) => item[1] === promptId)) {
        await this.http.interrupt(promptId);
        return 'interrupted';
      }
      return attempt === 0 ? 'not-found' : 'dequeued';
    }
    return 'dequeued';
  }

  close(): void {
    this.closed = true;
    for (const { socket } of this.sockets.values()) socket.close();
    this.sockets.clear();
    this.statusListeners.clear();
  }

  private async confirm(promptId: string, fromSocket: PromptOutcome): Promise<PromptOutcome> {
    const jobsApi = (await this.serverInfo()).jobsApi;
    for (const delay of [0, ...this.historyDelays]) {
      if (delay) await sleep(delay);
      if (jobsApi) {
        const location = locationOfJob(promptId, await this.http.job(promptId));
        if (location.state === 'finished') return location.outcome;
        continue; // still in_progress: the entry follows execution_success a moment later
      }
      const entry = await this.http.history(promptId);
      if (entry) return outcomeFromHistory(promptId, entry);
    }
    return fromSocket;
  }

  private socketFor(clientId: string): { socket: ComfySocket; refs: number } {
    if (this.closed) throw new ComfyUnreachableError(this.name, 'client closed');
    let held = this.sockets.get(clientId);
    if (!held) {
      const socket = new ComfySocket({ url: this.http.base, clientId, headers: this.settings.headers, reconnect: this.reconnect });
      if (clientId === this.clientId) socket.on('status', (remaining) => this.statusListeners.forEach((l) => l(remaining)));
      held = { socket, refs: 0 };
      this.sockets.set(clientId, held);
    }
    return held;
  }

  private acquire(clientId: string): ComfySocket {
    const held = this.socketFor(clientId);
    held.refs += 1;
    held.socket.connect();
    return held.socket;
  }

  private release(clientId: string): void {
    const held = this.sockets.get(clientId);
    if (!held) return;
    held.refs -= 1;
    // Our own socket stays open (queue depth, next jobs); a borrowed client id is closed.
    if (held.refs <= 0 && clientId !== this.clientId) {
      held.socket.close();
      this.sockets.delete(clientId);
    }
  }
}

function locationOfJob(promptId: string, job: ComfyJob | null): PromptLocation {
  if (!job) return { state: 'unknown' };
  if (job.status === 'pending') return { state: 'pending' };
  if (job.status === 'in_progress') return { state: 'running' };
  return { state: 'finished', outcome: outcomeFromJob(promptId, job) };
}
