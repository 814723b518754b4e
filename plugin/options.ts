// Every option of createMediaLab in one zod schema with defaults. Invalid options fail at
// start-up with a message naming the option.
import { z } from 'zod';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Knex } from 'knex';
import type { User } from './core/types.js';
import { isKnex } from './db/connect.js';
import { durationMs } from './core/duration.js';
import { LOG_LEVELS, type LoggerInput } from './core/logger.js';
import { timeLimitSchema } from '../contract/duration.js';
import { SOURCE_NAME, type MediaSource } from './sources/types.js';

export type Authenticate = (req: IncomingMessage) => User | null | Promise<User | null>;

const laneLimit = z.number().int().min(1).max(64);
const duration = z.string().refine((v) => durationMs(v) !== null, 'expected a duration such as 45s, 90m, 12h, 30d or 2w');

/** What retention removes: prompt artifacts, Media Lab artifacts, or both (the names `media-lab prune --scope` takes). */
export const RETENTION_SCOPES = ['all', 'prompts', 'lab'] as const;

/**
 * Retention on a schedule (off unless given): every `every`, remove artifacts created more than
 * `olderThan` ago (never uploaded sources, never what something still references), or with
 * `dryRun` only log what would go. The first run comes one `every` after start.
 */
export const retentionSchema = z.object({
  olderThan: duration,
  scope: z.enum(RETENTION_SCOPES).default('all'),
  every: duration.default('1h'),
  dryRun: z.boolean().default(false),
});

/**
 * The longest one attempt of a job may run (ms, or "30m", "2h"; 0 or null: no limit). A preset's
 * manifest `timeout` overrides its kind's. Past it the job is stopped like a cancel and fails
 * with TIMEOUT, which the retry policy retries.
 */
export const DEFAULT_TIMEOUTS_MS = {
  generate: 15 * 60_000,
  blend: 15 * 60_000,
  music: 20 * 60_000,
  voice: 20 * 60_000,
  enhance: 30 * 60_000,
  interpolate: 2 * 3_600_000,
} as const;

export const optionsSchema = z.object({
  /** A Knex instance, a Knex config, an SQLite file path or a postgres:// URL. Default: <dataDir>/media-lab.sqlite */
  database: z
    .custom<Knex | Knex.Config | string>(
      (v) => isKnex(v) || typeof v === 'string' || (typeof v === 'object' && v !== null && 'client' in v),
      'expected a Knex instance, a Knex config object, an SQLite file path or a postgres:// URL',
    )
    .optional(),
  dataDir: z.string().min(1).default('./data'),
  /** Where artifact files live. Default: <dataDir>/artifacts */
  artifactDir: z.string().min(1).optional(),
  authenticate: z.custom<Authenticate>((v) => typeof v === 'function', 'expected a function (req) => { id, roles } | null'),
  adminRole: z.string().min(1).default('admin'),
  mountPath: z.string().startsWith('/').default('/api/media-lab'),
  quotas: z
    .object({
      maxActiveJobsPerUser: z.number().int().min(1).default(20),
      maxSubmissionsPerDay: z.number().int().min(1).default(1000),
    })
    .prefault({}),
  lanes: z
    .object({
      generate: laneLimit.default(2),
      blend: laneLimit.default(2),
      enhance: laneLimit.default(1),
      interpolate: laneLimit.default(2),
      music: laneLimit.default(1),
      voice: laneLimit.default(1),
      /** Workbench runs (any kind): their own slots, so they never take production's. */
      workbench: laneLimit.default(1),
    })
    .prefault({}),
  timeouts: z
    .object({
      generate: timeLimitSchema.default(DEFAULT_TIMEOUTS_MS.generate),
      blend: timeLimitSchema.default(DEFAULT_TIMEOUTS_MS.blend),
      music: timeLimitSchema.default(DEFAULT_TIMEOUTS_MS.music),
      voice: timeLimitSchema.default(DEFAULT_TIMEOUTS_MS.voice),
      enhance: timeLimitSchema.default(DEFAULT_TIMEOUTS_MS.enhance),
      interpolate: timeLimitSchema.default(DEFAULT_TIMEOUTS_MS.interpolate),
    })
    .strict()
    .prefault({}),
  lease: z
    .object({
      durationMs: z.number().int().min(500).default(30_000),
      heartbeatMs: z.number().int().min(100).default(10_000),
    })
    .prefault({})
    .refine((l) => l.heartbeatMs < l.durationMs, { message: 'heartbeatMs must be shorter than durationMs', path: ['heartbeatMs'] }),
  retry: z
    .object({
      maxAttempts: z.number().int().min(1).max(20).default(3),
      backoffBaseMs: z.number().int().min(0).default(2_000),
      backoffMaxMs: z.number().int().min(0).default(5 * 60_000),
    })
    .prefault({}),
  uploads: z
    .object({
      maxBytes: z.number().int().min(1).default(512 * 1024 * 1024),
      maxImagePixels: z.number().int().min(1).default(100_000_000),
    })
    .prefault({}),
  worker: z
    .object({
      /** Run workers inside this process (false: run `media-lab worker` elsewhere). */
      enabled: z.boolean().default(true),
      /** Cross-process poll for work submitted by other processes; in-process submits wake at once. */
      pollIntervalMs: z.number().int().min(20).default(500),
      /** How long stop() lets running jobs reach a checkpoint before releasing them anyway. */
      shutdownGraceMs: z.number().int().min(0).default(10_000),
      name: z.string().min(1).optional(),
    })
    .prefault({}),
  /** A bearer token that may read GET <mount>/metrics (a Prometheus server's); admins may read it anyway. */
  metricsToken: z.string().min(16, 'use at least 16 characters').optional(),
  alerts: z
    .object({
      /** FAILED jobs in a row (of one kind, or on one backend) that mark /health degraded; 0 turns alerts off. */
      consecutiveFailures: z.number().int().min(0).default(5),
    })
    .prefault({}),
  /**
   * The host's own media, offered beside "upload" in the reference pickers (see
   * plugin/sources/types.ts; `folderSource()` serves a folder).
   */
  sources: z
    .array(
      z.custom<MediaSource>(
        (v) => typeof v === 'object' && v !== null && typeof (v as MediaSource).list === 'function' && typeof (v as MediaSource).open === 'function',
        'expected { name, label, list(query, page), open(id) }',
      ),
    )
    .default([])
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((source, i) => {
        if (!SOURCE_NAME.test(String(source.name))) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'use lower-case letters, digits, - and _ (at most 64)' });
        if (typeof source.label !== 'string' || !source.label) ctx.addIssue({ code: 'custom', path: [i, 'label'], message: 'expected a label to show' });
        if (seen.has(source.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `"${source.name}" is used by another source` });
        seen.add(source.name);
      });
    }),
  /** Pipeline options, passed through to the pipelines that read them. */
  enhance: z.record(z.string(), z.unknown()).optional(),
  interpolate: z.record(z.string(), z.unknown()).optional(),
  comfy: z.record(z.string(), z.unknown()).optional(),
  /** Script presets (ComfyUI-SaveAsScript exports): { python, comfyuiDirectory, comfyArgs, env, concurrency } (plugin/pipelines/script/options.ts). */
  scripts: z.record(z.string(), z.unknown()).optional(),
  /** Chain presets from files: `dir` (default: the shipped chains/ folder) holds `<name>.json` definitions; `watch` republishes changed files. */
  chains: z
    .object({
      dir: z.string().min(1).optional(),
      watch: z.boolean().default(false),
    })
    .strict()
    .prefault({}),
  retention: retentionSchema.optional(),
  /** A pino logger (or anything with its level methods and child()), or a console-like { info, warn, error } (wrapped). Default: pino to stdout, JSON lines. */
  logger: z
    .custom<LoggerInput>((v) => typeof v === 'object' && v !== null && typeof (v as Console).warn === 'function', 'expected a pino logger or { info, warn, error }')
    .optional(),
  /** The default logger's level (a logger passed in keeps its own). Default: MEDIA_LAB_LOG_LEVEL, else info. */
  logLevel: z.enum(LOG_LEVELS).optional(),
});

export type MediaLabOptionsInput = z.input<typeof optionsSchema>;
export type MediaLabOptions = z.output<typeof optionsSchema> & { artifactDir: string };

export class OptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionsError';
  }
}

export function parseOptions(input: MediaLabOptionsInput): MediaLabOptions {
  const result = optionsSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `option "${i.path.join('.') || '(root)'}": ${i.message}`);
    throw new OptionsError(`Invalid Media Lab options: ${lines.join('; ')}`);
  }
  const options = result.data;
  return { ...options, artifactDir: options.artifactDir ?? join(options.dataDir, 'artifacts') };
}
