// The one typed client every element uses to talk to Media Lab: HTTP calls, uploads, media URLs
// and the live event stream. Elements never call fetch themselves.
import type { Artifact, ArtifactDetail, UploadedArtifact } from '../contract/artifact.js';
import type { ErrorCode, FieldIssue } from '../contract/errors.js';
import type { Health } from '../contract/health.js';
import type { AuditEvent, Job, JobDetail, SubmitJobResponse } from '../contract/job.js';
import type { InterpolateChoices } from '../contract/interpolate.js';
import type { KindList, KindInfo } from '../contract/kinds.js';
import type { Provenance } from '../contract/lineage.js';
import type { Items, Page } from '../contract/pages.js';
import type { PresetInfo, PresetList } from '../contract/presets.js';
import type { Problem } from '../contract/problem.js';
import type { PromptArtifacts } from '../contract/prompts.js';
import type { CreateDraftRequest, Draft, DraftSummary, ExportResult, RunStepRequest, UpdateDraftRequest } from '../contract/workbench.js';
import type { SourceInfo, SourceList, SourcePage } from '../contract/sources.js';
import type { ChainPreset } from '../contract/chains.js';
import type { ArtifactFilters as ArtifactQuery, JobFilters as JobQuery, SubmitJobRequest } from '../contract/requests.js';
import { LabEventStream } from './event-stream.js';

/** The list queries as the client takes them: any subset, and a cursor that may be null. */
export type JobFilters = Partial<Omit<JobQuery, 'cursor'>> & { cursor?: string | null };
export type ArtifactFilters = Partial<Omit<ArtifactQuery, 'cursor'>> & { cursor?: string | null };

/** A problem+json answer, or one the client made up when the server did not answer (`NETWORK`). */
export interface ClientProblem extends Omit<Problem, 'code'> {
  code?: ErrorCode | 'NETWORK';
}

export const DEFAULT_API = '/api/media-lab';
export const DEFAULT_PROMPTS_API = '/api/prompts';

/** A non-2xx answer, carrying the server's problem+json (or one made up for network failures). */
export class ApiError extends Error {
  readonly problem: ClientProblem;

  constructor(problem: ClientProblem) {
    super(problem.detail || problem.title);
    this.name = 'ApiError';
    this.problem = problem;
  }

  get status(): number {
    return this.problem.status;
  }

  get fieldErrors(): FieldIssue[] {
    return this.problem.errors ?? [];
  }

  /** 401 (nobody signed in) or 403 (signed in, not an admin). */
  get isAccessDenied(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export interface ClientOptions {
  /** Where the host mounted the router, e.g. `/api/media-lab` (absolute URLs work too). */
  api?: string;
  /** Optional bearer token; without it the browser's cookie for the host authenticates. */
  token?: string | null;
}

type Query = Record<string, string | number | string[] | null | undefined>;
interface RequestOptions {
  body?: unknown;
  form?: FormData;
  query?: Query;
  headers?: Record<string, string>;
}

/** JSON over HTTP with the token (or the cookie), errors as ApiError. */
abstract class HttpClient {
  readonly api: string;
  readonly token: string | null;

  constructor(options: ClientOptions, fallbackApi: string) {
    this.api = (options.api || fallbackApi).replace(/\/+$/, '');
    this.token = options.token || null;
  }

  /** The bytes behind a URL the API handed out (the audio waveform decodes them). */
  async fetchBytes(url: string): Promise<ArrayBuffer> {
    const res = await this.send('GET', url, {});
    return res.arrayBuffer();
  }

  /**
   * A URL the browser can put in `src`. With a token the URL carries `?token=`, because <img>
   * and <audio> cannot send headers; without one the host's cookie does the work.
   */
  mediaUrl(url: string | null | undefined): string {
    if (!url) return '';
    if (!this.token) return url;
    const separator = url.includes('?') ? '&' : '?';
    return `${url}${separator}token=${encodeURIComponent(this.token)}`;
  }

  protected absolute(path: string): string {
    return /^(https?:)?\/\//.test(path) || path.startsWith(`${this.api}/`) ? path : `${this.api}${path}`;
  }

  protected async json<T>(method: string, path: string, init: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, this.absolute(path) + queryString(init.query), init);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  private async send(method: string, url: string, init: RequestOptions): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('Accept', 'application/json');
    if (this.token) headers.set('Authorization', `Bearer ${this.token}`);
    let body: BodyInit | undefined;
    if (init.form) body = init.form;
    else if (init.body !== undefined) {
      headers.set('Content-Type', 'application/json');
      body = JSON.stringify(init.body);
    }
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body, credentials: 'same-origin' });
    } catch (error) {
      throw new ApiError({ title: 'Network error', status: 0, code: 'NETWORK', detail: `The server did not answer (${(error as Error).message}). Check your connection and try again.` });
    }
    if (!res.ok) throw new ApiError(await problemOf(res));
    return res;
  }
}

/** The Media Lab API (default mount /api/media-lab) and its live event stream. */
export class MediaLabClient extends HttpClient {
  private stream: LabEventStream | null = null;

  constructor(options: ClientOptions = {}) {
    super(options, DEFAULT_API);
  }

  // --- jobs -----------------------------------------------------------------------------------

  submitJob(body: SubmitJobRequest, idempotencyKey?: string): Promise<SubmitJobResponse> {
    const headers: Record<string, string> = idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {};
    return this.json<SubmitJobResponse>('POST', '/jobs', { body, headers });
  }

  listJobs(filters: JobFilters = {}): Promise<Page<Job>> {
    return this.json<Page<Job>>('GET', '/jobs', {
      query: { status: filters.status, workflow: filters.workflow, source: filters.source, submittedBy: filters.submittedBy, parentJobId: filters.parentJobId, limit: filters.limit, cursor: filters.cursor },
    });
  }

  /** The steps of a chain job (its step jobs, oldest first). */
  async chainSteps(chainId: string): Promise<Job[]> {
    const steps: Job[] = [];
    for (let cursor: string | null = null; ; ) {
      const page: Page<Job> = await this.listJobs({ parentJobId: chainId, limit: 100, cursor });
      steps.push(...page.items);
      if (!page.nextCursor) return steps.reverse();
      cursor = page.nextCursor;
    }
  }

  /** Every version of a chain preset (GET /chains/:name/versions). */
  chainVersions(name: string): Promise<{ name: string; versions: ChainPreset[] }> {
    return this.json<{ name: string; versions: ChainPreset[] }>('GET', `/chains/${encodeURIComponent(name)}/versions`);
  }

  getJob(id: string): Promise<JobDetail> {
    return this.json<JobDetail>('GET', `/jobs/${encodeURIComponent(id)}`);
  }

  cancelJob(id: string): Promise<Job> {
    return this.json<Job>('POST', `/jobs/${encodeURIComponent(id)}/cancel`);
  }

  retryJob(id: string): Promise<Job> {
    return this.json<Job>('POST', `/jobs/${encodeURIComponent(id)}/retry`);
  }

  async jobEvents(id: string): Promise<AuditEvent[]> {
    return (await this.json<Items<AuditEvent>>('GET', `/jobs/${encodeURIComponent(id)}/events`)).items;
  }

  // --- artifacts ------------------------------------------------------------------------------

  upload(file: Blob, filename = file instanceof File ? file.name : 'upload'): Promise<UploadedArtifact> {
    const form = new FormData();
    form.append('file', file, filename);
    return this.json<UploadedArtifact>('POST', '/uploads', { form });
  }

  // --- the host's media sources ---------------------------------------------------------------

  /** The host's sources (empty when it offers none, or when this server predates them). */
  async sources(): Promise<SourceInfo[]> {
    try {
      return (await this.json<SourceList>('GET', '/sources')).sources;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return [];
      throw error;
    }
  }

  sourceItems(source: string, query = '', page = 1): Promise<SourcePage> {
    return this.json<SourcePage>('GET', `/sources/${encodeURIComponent(source)}/items`, { query: { query: query || undefined, page } });
  }

  /** Imports a source item as an input artifact (the stored one when its bytes are known). */
  importFromSource(source: string, id: string): Promise<UploadedArtifact> {
    return this.json<UploadedArtifact>('POST', `/sources/${encodeURIComponent(source)}/import`, { body: { id } });
  }

  listArtifacts(filters: ArtifactFilters = {}): Promise<Page<Artifact>> {
    return this.json<Page<Artifact>>('GET', '/artifacts', {
      query: { kind: filters.kind, role: filters.role, jobId: filters.jobId, workflow: filters.workflow, stale: filters.stale === undefined ? undefined : String(filters.stale), limit: filters.limit, cursor: filters.cursor },
    });
  }

  getArtifact(id: string): Promise<ArtifactDetail> {
    return this.json<ArtifactDetail>('GET', `/artifacts/${encodeURIComponent(id)}`);
  }

  /** The graph back to the uploads: every step's job, preset version, models, seed, params, timings. */
  getProvenance(id: string): Promise<Provenance> {
    return this.json<Provenance>('GET', `/artifacts/${encodeURIComponent(id)}/provenance`);
  }

  /** Makes a stale artifact again with the current preset version and model (409 NOT_STALE when current). */
  refreshArtifact(id: string): Promise<SubmitJobResponse> {
    return this.json<SubmitJobResponse>('POST', `/artifacts/${encodeURIComponent(id)}/refresh`);
  }

  /** Runs the recorded job again as recorded (409 NOT_REPRODUCIBLE for uploads or a changed model). */
  reproduceArtifact(id: string): Promise<SubmitJobResponse> {
    return this.json<SubmitJobResponse>('POST', `/artifacts/${encodeURIComponent(id)}/reproduce`);
  }

  /** The target frame rates (default 2x) and modes an interpolate job may ask of an uploaded video. */
  interpolateOptions(id: string): Promise<InterpolateChoices> {
    return this.json<InterpolateChoices>('GET', `/artifacts/${encodeURIComponent(id)}/interpolate-options`);
  }

  // --- the server's capabilities --------------------------------------------------------------

  async kinds(): Promise<KindInfo[]> {
    return (await this.json<KindList>('GET', '/kinds')).items;
  }

  /** ComfyUI presets with their parameter schemas, or null when this server has no /presets route. */
  async presets(): Promise<PresetInfo[] | null> {
    try {
      return (await this.json<PresetList>('GET', '/presets')).presets;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  // --- workbench ------------------------------------------------------------------------------

  async listDrafts(): Promise<DraftSummary[]> {
    return (await this.json<{ items: DraftSummary[] }>('GET', '/workbench/drafts')).items;
  }

  createDraft(body: CreateDraftRequest): Promise<Draft> {
    return this.json<Draft>('POST', '/workbench/drafts', { body });
  }

  getDraft(id: string): Promise<Draft> {
    return this.json<Draft>('GET', `/workbench/drafts/${encodeURIComponent(id)}`);
  }

  updateDraft(id: string, body: UpdateDraftRequest): Promise<Draft> {
    return this.json<Draft>('PUT', `/workbench/drafts/${encodeURIComponent(id)}`, { body });
  }

  deleteDraft(id: string): Promise<void> {
    return this.json<void>('DELETE', `/workbench/drafts/${encodeURIComponent(id)}`);
  }

  /** "Run this step" (with new params first when given). */
  runDraftStep(id: string, stepId: string, body: RunStepRequest = {}): Promise<{ job: Job; draft: Draft }> {
    return this.json('POST', `/workbench/drafts/${encodeURIComponent(id)}/steps/${encodeURIComponent(stepId)}/run`, { body });
  }

  /** "Run to here" (a step id) or "Run all" (null). */
  runDraft(id: string, stepId: string | null = null): Promise<Draft> {
    const path = stepId === null ? '/run' : `/steps/${encodeURIComponent(stepId)}/run-to-here`;
    return this.json<Draft>('POST', `/workbench/drafts/${encodeURIComponent(id)}${path}`);
  }

  selectDraftResult(id: string, stepId: string, jobId: string): Promise<Draft> {
    return this.json<Draft>('POST', `/workbench/drafts/${encodeURIComponent(id)}/steps/${encodeURIComponent(stepId)}/select`, { body: { jobId } });
  }

  exportDraft(id: string, name: string): Promise<ExportResult> {
    return this.json<ExportResult>('POST', `/workbench/drafts/${encodeURIComponent(id)}/export`, { body: { name } });
  }

  health(): Promise<Health> {
    return this.json<Health>('GET', '/health');
  }

  // --- live events ----------------------------------------------------------------------------

  /** The shared WebSocket stream of job events for this API and token. */
  get events(): LabEventStream {
    if (!this.stream) this.stream = new LabEventStream(this.socketUrl());
    return this.stream;
  }

  socketUrl(): string {
    const base = new URL(`${this.api}/events`, globalThis.location?.href ?? 'http://localhost/');
    base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
    if (this.token) base.searchParams.set('token', this.token);
    return base.toString();
  }
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length) params.set(key, value.join(','));
    } else params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function problemOf(res: Response): Promise<ClientProblem> {
  const text = await res.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as Partial<Problem>;
    if (parsed && typeof parsed === 'object' && typeof parsed.title === 'string') return { ...parsed, title: parsed.title, status: parsed.status ?? res.status };
  } catch {
    // Not JSON: a proxy or the host answered; describe it from the status line.
  }
  return { title: res.statusText || `HTTP ${res.status}`, status: res.status, detail: text.slice(0, 300) || `The server answered ${res.status}.` };
}

/** The host's prompt-queue routes (default mount /api/prompts), for <prompt-artifacts>. */
export class PromptQueueClient extends HttpClient {
  constructor(options: ClientOptions = {}) {
    super(options, DEFAULT_PROMPTS_API);
  }

  promptArtifacts(promptId: string | number): Promise<PromptArtifacts> {
    return this.json<PromptArtifacts>('GET', `/${encodeURIComponent(String(promptId))}/artifacts`);
  }
}

const clients = new Map<string, MediaLabClient>();
const promptClients = new Map<string, PromptQueueClient>();

/** One client (and so one WebSocket) per API mount and token, shared by every element on the page. */
export function clientFor(api: string | null | undefined, token?: string | null): MediaLabClient {
  const key = `${api || DEFAULT_API}\n${token || ''}`;
  let client = clients.get(key);
  if (!client) {
    client = new MediaLabClient({ api: api || DEFAULT_API, token });
    clients.set(key, client);
  }
  return client;
}

export function promptClientFor(api: string | null | undefined, token?: string | null): PromptQueueClient {
  const key = `${api || DEFAULT_PROMPTS_API}\n${token || ''}`;
  let client = promptClients.get(key);
  if (!client) {
    client = new PromptQueueClient({ api: api || DEFAULT_PROMPTS_API, token });
    promptClients.set(key, client);
  }
  return client;
}
