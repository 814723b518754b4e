// ComfyUI's HTTP endpoints. Network failures, timeouts and 5xx become ComfyUnreachableError
// (retryable); a 400 from /prompt becomes ComfyRejectedError. Downloads stream into a file and
// uploads stream from one: nothing is held whole in memory.
import { createWriteStream, openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { MediaLabError } from '../../contract/errors.js';
import { ComfyRejectedError, ComfyUnreachableError } from '../errors.js';
import type {
  ApiWorkflow,
  ComfyJob,
  HistoryEntry,
  JsonObject,
  ObjectInfo,
  OutputFile,
  PromptRejection,
  QueueState,
  SubmitResult,
  SystemStats,
  UploadResult,
} from '../types.js';

export interface HttpSettings {
  name: string;
  url: string;
  headers?: Record<string, string>;
  requestTimeoutMs: number;
}

export interface SubmitOptions {
  promptId: string;
  clientId?: string;
  front?: boolean;
  extraData?: JsonObject;
}

export interface UploadOptions {
  /** File name on the server (default: the local file's name). */
  name?: string;
  type?: 'input' | 'temp';
  subfolder?: string;
  overwrite?: boolean;
  signal?: AbortSignal;
}

export class ComfyHttp {
  readonly base: string;
  constructor(private readonly settings: HttpSettings) {
    this.base = settings.url.replace(/\/+$/, '');
  }

  get name(): string {
    return this.settings.name;
  }

  private async request(
    method: string,
    path: string,
    init: { json?: unknown; body?: FormData; signal?: AbortSignal; timeoutMs?: number | null } = {},
  ): Promise<Response> {
    const signals: AbortSignal[] = [];
    if (init.timeoutMs !== null) signals.push(AbortSignal.timeout(init.timeoutMs ?? this.settings.requestTimeoutMs));
    if (init.signal) signals.push(init.signal);
    const headers: Record<string, string> = { ...this.settings.headers };
    let body: string | FormData | undefined;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.body) {
      body = init.body;
    }
    let response: Response | null = null;
    // A GET is retried once: after a server restart the first request can meet a pooled
    // keep-alive connection the server already closed. A POST is never repeated.
    for (let attempt = 0; !response; attempt++) {
      try {
        response = await fetch(`${this.base}${path}`, { method, headers, body, signal: signals.length ? AbortSignal.any(signals) : undefined });
      } catch (error) {
        if (init.signal?.aborted) throw init.signal.reason;
        const timedOut = (error as Error).name === 'TimeoutError';
        if (method === 'GET' && attempt === 0 && !timedOut) {
          await new Promise((resolve) => setTimeout(resolve, 25));
          continue;
        }
        const reason = timedOut ? 'timed out' : ((error as { cause?: Error }).cause?.message ?? (error as Error).message);
        throw new ComfyUnreachableError(this.name, `${method} ${path}: ${reason}`, { cause: error });
      }
    }
    // 5xx, and auth refusals from a managed backend's proxy, make the backend unusable for now:
    // the pool drains it and the job goes elsewhere.
    if (response.status >= 500 || response.status === 401 || response.status === 403) {
      const text = await response.text().catch(() => '');
      throw new ComfyUnreachableError(this.name, `${method} ${path} answered ${response.status}${text ? `: ${text.slice(0, 200).trim()}` : ''}`);
    }
    return response;
  }

  private async getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
    const response = await this.request('GET', path, { signal });
    if (!response.ok) throw new ComfyUnreachableError(this.name, `GET ${path} answered ${response.status}`);
    return (await response.json()) as T;
  }

  private async postEmpty(path: string, json: unknown, signal?: AbortSignal): Promise<void> {
    const response = await this.request('POST', path, { json, signal });
    await response.arrayBuffer();
  }

  systemStats(signal?: AbortSignal): Promise<SystemStats> {
    return this.getJson('/system_stats', signal);
  }

  queue(signal?: AbortSignal): Promise<QueueState> {
    return this.getJson('/queue', signal);
  }

  /** GET /prompt: pending + running. */
  async queueRemaining(signal?: AbortSignal): Promise<number> {
    const info = await this.getJson<{ exec_info?: { queue_remaining?: number } }>('/prompt', signal);
    return info.exec_info?.queue_remaining ?? 0;
  }

  /** `null` for an unknown id (ComfyUI answers `{}` for pending, unknown and deleted prompts alike). */
  async history(promptId: string, signal?: AbortSignal): Promise<HistoryEntry | null> {
    const answer = await this.getJson<Record<string, HistoryEntry>>(`/history/${encodeURIComponent(promptId)}`, signal);
    return answer[promptId] ?? null;
  }

  /**
   * Does the server have the jobs API (0.33.x)? `GET /api/jobs?limit=1` answers a page there;
   * older servers answer 404 (or the front end's HTML).
   */
  async hasJobsApi(signal?: AbortSignal): Promise<boolean> {
    const response = await this.request('GET', '/api/jobs?limit=1', { signal });
    const body = await response.text();
    if (!response.ok) return false;
    try {
      const parsed = JSON.parse(body) as { jobs?: unknown };
      return Array.isArray(parsed.jobs);
    } catch {
      return false;
    }
  }

  /** GET /api/jobs/{id}: the job wherever it is (queued, running, finished, cancelled); null on 404. */
  async job(promptId: string, signal?: AbortSignal): Promise<ComfyJob | null> {
    const response = await this.request('GET', `/api/jobs/${encodeURIComponent(promptId)}`, { signal });
    if (response.status === 404) {
      await response.arrayBuffer();
      return null;
    }
    if (!response.ok) throw new ComfyUnreachableError(this.name, `GET /api/jobs/${promptId} answered ${response.status}`);
    return (await response.json()) as ComfyJob;
  }

  /**
   * POST /api/jobs/{id}/cancel: a pending job is dropped, a running one interrupted. The job as
   * it stood (null: unknown id); `finished` when it had already ended (409).
   */
  async cancelJob(promptId: string, signal?: AbortSignal): Promise<{ job: ComfyJob | null; finished: boolean }> {
    const response = await this.request('POST', `/api/jobs/${encodeURIComponent(promptId)}/cancel`, { json: {}, signal });
    const text = await response.text();
    if (response.status === 404) return { job: null, finished: false };
    if (response.status === 409) return { job: null, finished: true };
    if (!response.ok) throw new ComfyUnreachableError(this.name, `POST /api/jobs/${promptId}/cancel answered ${response.status}`);
    return { job: JSON.parse(text) as ComfyJob, finished: false };
  }

  deleteHistory(promptIds: string[], signal?: AbortSignal): Promise<void> {
    return this.postEmpty('/history', { delete: promptIds }, signal);
  }

  objectInfo(signal?: AbortSignal): Promise<ObjectInfo> {
    return this.getJson('/object_info', signal);
  }

  async objectInfoFor(classType: string, signal?: AbortSignal): Promise<ObjectInfo[string] | null> {
    const answer = await this.getJson<ObjectInfo>(`/object_info/${encodeURIComponent(classType)}`, signal);
    return answer[classType] ?? null;
  }

  async submit(prompt: ApiWorkflow, options: SubmitOptions, signal?: AbortSignal): Promise<SubmitResult> {
    const body: JsonObject = { prompt: prompt as unknown as JsonObject, prompt_id: options.promptId };
    if (options.clientId) body.client_id = options.clientId;
    if (options.front) body.front = true;
    if (options.extraData) body.extra_data = options.extraData;
    const response = await this.request('POST', '/prompt', { json: body, signal });
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      // handled below
    }
    if (response.status === 400 && parsed && typeof parsed === 'object') {
      throw new ComfyRejectedError(this.name, parsed as PromptRejection);
    }
    if (!response.ok || !parsed || typeof parsed !== 'object') {
      throw new ComfyUnreachableError(this.name, `POST /prompt answered ${response.status}: ${text.slice(0, 200)}`);
    }
    const answer = parsed as { prompt_id: string; number: number; node_errors?: SubmitResult['nodeErrors'] };
    return { promptId: answer.prompt_id, number: answer.number, nodeErrors: answer.node_errors ?? {} };
  }

  /** POST /queue {delete}: removes pending prompts; running ones are untouched. */
  deleteQueued(promptIds: string[], signal?: AbortSignal): Promise<void> {
    return this.postEmpty('/queue', { delete: promptIds }, signal);
  }

  /** POST /interrupt {prompt_id}: stops that prompt at the next node boundary, only if it is the one running. */
  interrupt(promptId: string, signal?: AbortSignal): Promise<void> {
    return this.postEmpty('/interrupt', { prompt_id: promptId }, signal);
  }

  /** POST /upload/image (audio too): same name and bytes give the same name back. */
  async upload(filePath: string, options: UploadOptions = {}): Promise<UploadResult> {
    const form = new FormData();
    form.set('image', await openAsBlob(filePath), options.name ?? basename(filePath));
    form.set('type', options.type ?? 'input');
    if (options.subfolder) form.set('subfolder', options.subfolder);
    if (options.overwrite) form.set('overwrite', 'true');
    const response = await this.request('POST', '/upload/image', { body: form, signal: options.signal, timeoutMs: null });
    if (!response.ok) {
      throw new MediaLabError('COMFY_VALIDATION', `ComfyUI "${this.name}" refused the upload of ${basename(filePath)} (HTTP ${response.status})`);
    }
    return (await response.json()) as UploadResult;
  }

  /** GET /view streamed into `destination`. */
  async download(file: OutputFile, destination: string, signal?: AbortSignal): Promise<{ bytes: number; contentType: string }> {
    const query = new URLSearchParams({ filename: file.filename, subfolder: file.subfolder ?? '', type: file.type || 'output' });
    const response = await this.request('GET', `/view?${query}`, { signal, timeoutMs: null });
    if (response.status === 404) {
      await response.arrayBuffer();
      throw new MediaLabError('COMFY_EXECUTION', `ComfyUI "${this.name}" no longer has the output file ${file.subfolder ? `${file.subfolder}/` : ''}${file.filename}`);
    }
    if (!response.ok || !response.body) throw new ComfyUnreachableError(this.name, `GET /view answered ${response.status}`);
    let bytes = 0;
    const source = Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
    source.on('data', (chunk: Buffer) => (bytes += chunk.length));
    try {
      await pipeline(source, createWriteStream(destination), { signal });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new ComfyUnreachableError(this.name, `download of ${file.filename} broke off: ${(error as Error).message}`, { cause: error });
    }
    return { bytes, contentType: response.headers.get('content-type') ?? 'application/octet-stream' };
  }
}
