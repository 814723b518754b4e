// The ComfyUI bridge's options (the `comfy` option of createMediaLab), with defaults.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The repository's comfy-workflows/ (from sources: ../; from dist/bridge: ../../). */
export function defaultPresetsDir(): string {
  for (const relative of ['../comfy-workflows/', '../../comfy-workflows/']) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  return fileURLToPath(new URL('../comfy-workflows/', import.meta.url));
}

export const backendSchema = z.object({
  /** Recorded on each job that runs there. */
  name: z.string().min(1).max(100),
  url: z.string().regex(/^https?:\/\/[^\s]+$/, 'expected an http(s) URL such as http://127.0.0.1:8188'),
  /** Relative capacity: load is queue depth divided by weight. */
  weight: z.number().positive().default(1),
  /** Sent with every request and the WebSocket upgrade (e.g. a managed provider's auth). */
  headers: z.record(z.string(), z.string()).optional(),
  /** Capacity that costs money: used only while the primary backends' queues are deeper than burstQueueThreshold. */
  burst: z.boolean().default(false),
});

export const comfyOptionsSchema = z
  .object({
    backends: z.array(backendSchema).default([]),
    /** Burst backends take work only while every healthy primary has more than this many prompts queued. */
    burstQueueThreshold: z.number().int().min(0).default(2),
    /** How often each backend's /system_stats and queue depth are checked. */
    healthIntervalMs: z.number().int().min(50).default(15_000),
    requestTimeoutMs: z.number().int().min(100).default(15_000),
    /** Shipped and file presets (each a folder with workflow.json and manifest.json). */
    presetsDir: z.string().min(1).default(defaultPresetsDir),
    /** Reload presets when their files change (chokidar). */
    watch: z.boolean().default(false),
    /**
     * Origins of ComfyUI editors allowed to call POST /presets from the browser ("Publish to
     * Media Lab"), e.g. http://gpu-box:8188. Exact origins only: credentials are allowed, so a
     * wildcard would let any site publish as a signed-in admin.
     */
    corsOrigins: z
      .array(z.string().regex(/^https?:\/\/[^/\s*]+$/, 'an exact origin such as http://gpu-box:8188 (no path, no wildcard)'))
      .default([]),
    reconnect: z
      .object({
        baseMs: z.number().int().min(10).default(250),
        maxMs: z.number().int().min(10).default(5_000),
        /** Without socket and HTTP for this long, a running job fails over (COMFY_UNREACHABLE, retried). */
        giveUpAfterMs: z.number().int().min(100).default(30_000),
      })
      .prefault({}),
    /** Settle a prompt over HTTP after this long without a message about it. */
    watchdogMs: z.number().int().min(50).default(10_000),
    /** While the socket is down, poll /queue + /history this often. */
    pollWhileDisconnectedMs: z.number().int().min(20).default(1_000),
    /** A prompt a backend lost (restart) or a backend that went away mid-run. */
    lost: z
      .object({
        policy: z.enum(['resubmit', 'fail']).default('resubmit'),
        /** Resubmissions per job (across attempts) before COMFY_LOST fails it. */
        maxResubmits: z.number().int().min(0).max(20).default(2),
      })
      .prefault({}),
    /** After a cancel, how long to wait for ComfyUI to confirm before giving up on it. */
    cancelWaitMs: z.number().int().min(0).default(5_000),
    /** Outputs go to `<outputPrefix>/<job id>/` on the server (keeps each folder small: SaveImage lists it). */
    outputPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .default('medialab'),
    /** How long a backend's /object_info is trusted for preset validation. */
    objectInfoTtlMs: z.number().int().min(0).default(60_000),
  })
  .refine((o) => new Set(o.backends.map((b) => b.name)).size === o.backends.length, {
    message: 'backend names must be unique',
    path: ['backends'],
  });

export type ComfyOptionsInput = z.input<typeof comfyOptionsSchema>;
export type ComfyOptions = z.output<typeof comfyOptionsSchema>;
export type BackendConfig = z.output<typeof backendSchema>;

/** `COMFYUI_URL=http://gpu:8188,http://burst:8188` -> backends named comfy-1, comfy-2 (weight 1, no burst). */
export function backendsFromUrlList(list: string | undefined): BackendConfig[] {
  return (list ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean)
    .map((url, i) => ({ name: `comfy-${i + 1}`, url, weight: 1, burst: false }));
}
