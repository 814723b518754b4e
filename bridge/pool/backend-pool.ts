// The ComfyUI backends: health checks (/system_stats), queue depth (WebSocket `status` plus
// GET /prompt), least-loaded dispatch weighted by capacity, burst backends only above a
// threshold, and draining: a backend that fails is skipped until a health check sees it again.
// Each check also learns the server's version and whether it has the jobs API (0.33.x).
import { ComfyClient } from '../client/comfy-client.js';
import { NodeCatalog } from '../client/object-info.js';
import { ComfyUnreachableError } from '../errors.js';
import type { BackendConfig, ComfyOptions } from '../options.js';

export interface Logger {
  info(message: string, ...rest: unknown[]): void;
  warn(message: string, ...rest: unknown[]): void;
  error(message: string, ...rest: unknown[]): void;
}

export interface Backend {
  readonly name: string;
  readonly config: BackendConfig;
  readonly client: ComfyClient;
  /** null until the first check. */
  healthy: boolean | null;
  lastError: string | null;
  lastCheckedAt: number | null;
  /** Pending + running on the server (all clients), as last reported. */
  queueRemaining: number;
  /** Prompts this process submitted there and still follows. */
  inFlight: number;
}

export interface BackendStatus {
  name: string;
  url: string;
  burst: boolean;
  weight: number;
  healthy: boolean | null;
  queueRemaining: number;
  inFlight: number;
  load: number;
  lastError: string | null;
  lastCheckedAt: string | null;
  /** The server's ComfyUI version (/system_stats), null until a health check saw it. */
  version: string | null;
  /** Whether it answers the jobs API (0.33.x): status and cancel by prompt id. */
  jobsApi: boolean | null;
}

export type PoolSettings = Pick<
  ComfyOptions,
  'backends' | 'burstQueueThreshold' | 'healthIntervalMs' | 'requestTimeoutMs' | 'reconnect' | 'watchdogMs' | 'pollWhileDisconnectedMs' | 'objectInfoTtlMs'
>;

const silent: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export function loadOf(backend: Backend): number {
  return Math.max(backend.queueRemaining, backend.inFlight);
}

export class BackendPool {
  private readonly list: Backend[];
  private timer: NodeJS.Timeout | null = null;
  private readonly catalogs = new Map<string, { catalog: NodeCatalog; at: number }>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly changeListeners = new Set<(backend: BackendStatus) => void>();

  constructor(
    private readonly settings: PoolSettings,
    private readonly logger: Logger = silent,
  ) {
    this.list = settings.backends.map((config) => ({
      name: config.name,
      config,
      client: new ComfyClient({
        name: config.name,
        url: config.url,
        headers: config.headers,
        requestTimeoutMs: settings.requestTimeoutMs,
        reconnect: settings.reconnect,
        watchdogMs: settings.watchdogMs,
        pollWhileDisconnectedMs: settings.pollWhileDisconnectedMs,
      }),
      healthy: null,
      lastError: null,
      lastCheckedAt: null,
      queueRemaining: 0,
      inFlight: 0,
    }));
    for (const backend of this.list) {
      this.unsubscribe.push(backend.client.onStatus((remaining) => (backend.queueRemaining = remaining)));
    }
  }

  /** Opens the sockets and starts the periodic health checks; resolves when the first check is done. */
  start(): Promise<void> {
    if (this.timer) return Promise.resolve();
    for (const backend of this.list) backend.client.connect();
    const first = this.checkHealth();
    this.timer = setInterval(() => void this.checkHealth(), this.settings.healthIntervalMs);
    this.timer.unref?.();
    return first;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const off of this.unsubscribe.splice(0)) off();
    for (const backend of this.list) backend.client.close();
  }

  get size(): number {
    return this.list.length;
  }

  get(name: string): Backend | undefined {
    return this.list.find((b) => b.name === name);
  }

  all(): Backend[] {
    return [...this.list];
  }

  status(): BackendStatus[] {
    return this.list.map((b) => ({
      name: b.name,
      url: b.config.url,
      burst: b.config.burst,
      weight: b.config.weight,
      healthy: b.healthy,
      queueRemaining: b.queueRemaining,
      inFlight: b.inFlight,
      load: loadOf(b),
      lastError: b.lastError,
      lastCheckedAt: b.lastCheckedAt ? new Date(b.lastCheckedAt).toISOString() : null,
      version: b.client.server?.version ?? null,
      jobsApi: b.client.server?.jobsApi ?? null,
    }));
  }

  /**
   * Dispatch order, best first. Down backends are left out. Burst backends join only while
   * every healthy primary is deeper than the threshold (or no primary is up).
   */
  rank(exclude: ReadonlySet<string> = new Set()): Backend[] {
    const usable = this.list.filter((b) => b.healthy !== false && !exclude.has(b.name));
    const primaries = usable.filter((b) => !b.config.burst);
    const bursts = usable.filter((b) => b.config.burst);
    const primaryHasRoom = primaries.some((b) => loadOf(b) <= this.settings.burstQueueThreshold);
    const candidates = primaryHasRoom ? primaries : [...primaries, ...bursts];
    return candidates.sort(
      (a, b) =>
        loadOf(a) / a.config.weight - loadOf(b) / b.config.weight ||
        Number(a.config.burst) - Number(b.config.burst) ||
        b.config.weight - a.config.weight ||
        a.name.localeCompare(b.name),
    );
  }

  /** The best backend now; COMFY_UNREACHABLE (retryable) when none is up. */
  pick(exclude: ReadonlySet<string> = new Set()): Backend {
    const best = this.rank(exclude)[0];
    if (!best) {
      const known = this.list.map((b) => `${b.name}${b.lastError ? ` (${b.lastError})` : ''}`).join(', ') || 'none configured';
      throw new ComfyUnreachableError(this.list.length ? 'pool' : 'none', `no healthy ComfyUI backend: ${known}`);
    }
    return best;
  }

  /** Called when a backend goes down or comes up (not on every check); returns the unsubscribe. */
  onChange(listener: (backend: BackendStatus) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private changed(name: string): void {
    const status = this.status().find((b) => b.name === name);
    if (!status) return;
    for (const listener of this.changeListeners) {
      try {
        listener(status);
      } catch (error) {
        this.logger.error(`[media-lab] backend change listener failed: ${(error as Error).message}`);
      }
    }
  }

  /** A request to this backend failed as if it were down: drain it until a health check sees it. */
  markDown(name: string, reason: string): void {
    const backend = this.get(name);
    if (!backend) return;
    const was = backend.healthy;
    if (was !== false) this.logger.warn(`[media-lab] ComfyUI backend ${name} is down: ${reason}`);
    backend.healthy = false;
    backend.lastError = reason;
    backend.lastCheckedAt = Date.now();
    if (was !== false) this.changed(name);
  }

  markUp(name: string): void {
    const backend = this.get(name);
    if (!backend) return;
    const was = backend.healthy;
    if (was === false) this.logger.info(`[media-lab] ComfyUI backend ${name} is back`);
    backend.healthy = true;
    backend.lastError = null;
    backend.lastCheckedAt = Date.now();
    if (was !== true) this.changed(name);
  }

  /** Checks every backend now (/system_stats and queue depth). */
  async checkHealth(): Promise<void> {
    await Promise.all(
      this.list.map(async (backend) => {
        try {
          const signal = AbortSignal.timeout(Math.min(this.settings.requestTimeoutMs, 5_000));
          const stats = await backend.client.http.systemStats(signal);
          const before = backend.client.server?.version;
          const info = await backend.client.describeServer(stats, signal);
          if (before !== undefined && before !== info.version) this.logger.info(`[media-lab] ComfyUI backend ${backend.name} now runs ${info.version ?? 'an unknown version'}`);
          backend.queueRemaining = await backend.client.http.queueRemaining();
          this.markUp(backend.name);
        } catch (error) {
          this.markDown(backend.name, (error as Error).message);
        }
      }),
    );
  }

  /** The backend's /object_info, cached for objectInfoTtlMs. */
  async catalog(name: string, options: { refresh?: boolean } = {}): Promise<NodeCatalog> {
    const backend = this.get(name);
    if (!backend) throw new ComfyUnreachableError(name, 'not a configured backend');
    const cached = this.catalogs.get(name);
    if (cached && !options.refresh && Date.now() - cached.at < this.settings.objectInfoTtlMs) return cached.catalog;
    const catalog = new NodeCatalog(await backend.client.http.objectInfo());
    this.catalogs.set(name, { catalog, at: Date.now() });
    return catalog;
  }
}
