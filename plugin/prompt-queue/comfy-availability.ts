// Is any ComfyUI backend up? One GET /system_stats per configured backend. Kept in this one
// module so the bridge's own health check can replace it later.
import type { MediaLabOptions } from '../options.js';

export interface BackendTarget {
  name: string;
  url: string;
  headers?: Record<string, string>;
}

export interface Availability {
  available: boolean;
  /** Names of the backends that answered. */
  reachable: string[];
  /** Why each of the others did not. */
  unreachable: Array<{ name: string; url: string; reason: string }>;
  /** A sentence for the log when nothing is available. */
  reason: string | null;
}

export type AvailabilityCheck = () => Promise<Availability>;

/** The backends of the lab's `comfy` option (`{ backends: [{ name, url, headers? }] }`). */
export function comfyBackendsOf(options: Pick<MediaLabOptions, 'comfy'>): BackendTarget[] {
  const backends = (options.comfy as { backends?: unknown } | undefined)?.backends;
  if (!Array.isArray(backends)) return [];
  return backends.flatMap((b: unknown, i): BackendTarget[] => {
    const entry = b as { name?: unknown; url?: unknown; headers?: unknown };
    if (typeof entry?.url !== 'string') return [];
    const headers = entry.headers && typeof entry.headers === 'object' ? (entry.headers as Record<string, string>) : undefined;
    return [{ name: typeof entry.name === 'string' ? entry.name : `comfy-${i + 1}`, url: entry.url, headers }];
  });
}

async function probe(backend: BackendTarget, timeoutMs: number): Promise<string | null> {
  try {
    const response = await fetch(new URL('/system_stats', backend.url), { headers: backend.headers, signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer().catch(() => undefined);
    return response.ok ? null : `GET /system_stats answered ${response.status}`;
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? (error as Error).message;
  }
}

export function comfyAvailability(backends: BackendTarget[], timeoutMs: number): AvailabilityCheck {
  return async () => {
    if (backends.length === 0) {
      return { available: false, reachable: [], unreachable: [], reason: 'no ComfyUI backend is configured (set COMFYUI_URL, --comfy or the comfy.backends option)' };
    }
    const results = await Promise.all(backends.map(async (b) => ({ backend: b, failure: await probe(b, timeoutMs) })));
    const reachable = results.filter((r) => r.failure === null).map((r) => r.backend.name);
    const unreachable = results.flatMap((r) => (r.failure === null ? [] : [{ name: r.backend.name, url: r.backend.url, reason: r.failure }]));
    return {
      available: reachable.length > 0,
      reachable,
      unreachable,
      reason: reachable.length ? null : `no ComfyUI backend is reachable (${unreachable.map((u) => `${u.name} ${u.url}: ${u.reason}`).join('; ')})`,
    };
  };
}

/** What the lab knows of its script presets (plugin/pipelines/script): can they run, and is a preset a script. */
export interface ScriptServing {
  /** The lab's script runner passed its start-up check. */
  available(): boolean;
  /** Whether the preset a prompt type maps to (null: its kind's default) is a script preset. */
  isScriptPreset(kind: string, name: string | null): Promise<boolean>;
}

/**
 * A queue whose every media type maps to a script preset needs no ComfyUI server (the scripts run
 * on this machine): without a reachable backend it is still available when scripts can run.
 * A queue with any type on a workflow preset keeps the ComfyUI check as it is.
 */
export function withScriptPresets(check: AvailabilityCheck, scripts: ScriptServing, mapping: Array<{ kind: string; preset: string | null }>): AvailabilityCheck {
  return async () => {
    const comfy = await check();
    if (comfy.available || !scripts.available()) return comfy;
    const all = await Promise.all(mapping.map((m) => scripts.isScriptPreset(m.kind, m.preset).catch(() => false)));
    if (!all.every(Boolean)) return comfy;
    return { available: true, reachable: ['scripts'], unreachable: comfy.unreachable, reason: null };
  };
}
