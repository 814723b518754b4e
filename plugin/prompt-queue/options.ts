// The prompt-queue adapter's options: one zod schema whose defaults match the host (a
// `prompts` table with prompt_type text|image|music|voice). Names are options because every
// host spells its schema a little differently.
import { z } from 'zod';
import type { User, WorkflowKind } from '../core/types.js';
import type { Authenticate } from '../options.js';
import type { LoggerInput } from '../core/logger.js';
import type { PromptRow } from './host-row.js';

/** The prompt types Media Lab makes media for; `text` prompts belong to the host's own processor. */
export const MEDIA_PROMPT_TYPES = ['image', 'music', 'voice'] as const;
export type MediaPromptType = (typeof MEDIA_PROMPT_TYPES)[number];

/** Which workflow kind serves each media prompt type. */
export const WORKFLOW_OF_TYPE: Record<MediaPromptType, WorkflowKind> = { image: 'generate', music: 'music', voice: 'voice' };

/** Values of the artifact_status column this adapter adds to the host table. */
export const ARTIFACT_STATUSES = ['pending', 'processing', 'ready', 'error'] as const;
export type ArtifactStatus = (typeof ARTIFACT_STATUSES)[number];

/** Decides who may see a prompt's media (the route's 403 otherwise). */
export type CanViewPrompt = (user: User, prompt: PromptRow) => boolean | Promise<boolean>;

// Table and column names end up in SQL (quoted by Knex, and in the migration's raw DDL).
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a plain SQL identifier (letters, digits, underscore)');
const tableName = z.string().regex(/^([A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$/, 'expected a table name, optionally schema-qualified');
const statusValue = z.string().min(1).max(64);
const presetName = z.string().min(1).max(200).nullable();

export const promptQueueOptionsSchema = z.object({
  /** The host's prompts table. */
  table: tableName.default('prompts'),
  /** The table this adapter creates for outputs and previews. */
  artifactsTable: tableName.default('prompt_artifacts'),
  /** Knex's bookkeeping for the host-schema migrations (separate from Media Lab's own). */
  migrationsTable: identifier.default('media_lab_prompt_queue_migrations'),
  columns: z
    .object({
      id: identifier.default('id'),
      promptText: identifier.default('prompt_text'),
      promptType: identifier.default('prompt_type'),
      status: identifier.default('status'),
      metadata: identifier.default('metadata'),
      errorMessage: identifier.default('error_message'),
      completedAt: identifier.default('completed_at'),
      processingDuration: identifier.default('processing_duration'),
      /** Who owns the prompt (the default access rule: owner and admins); absent columns are fine. */
      owner: identifier.default('user_id'),
      artifactStatus: identifier.default('artifact_status'),
      artifactMetadata: identifier.default('artifact_metadata'),
    })
    .prefault({}),
  /** The host's values of its status column. */
  statuses: z
    .object({
      pending: statusValue.default('pending'),
      processing: statusValue.default('processing'),
      completed: statusValue.default('completed'),
      failed: statusValue.default('failed'),
    })
    .prefault({}),
  /** Which preset serves each prompt type (a prompt's metadata may pick another). null: the kind's default. */
  presets: z
    .object({
      image: presetName.default('txt2img'),
      music: presetName.default('music'),
      voice: presetName.default('voice'),
    })
    .prefault({}),
  /**
   * A chain preset that serves a prompt type instead of a single job (e.g. `{ image: "txt2img-x2" }`:
   * a picture, then upscaled). The prompt text goes to the chain input named in promptParams,
   * defaultParams to the other inputs; the chain's outputs become the prompt's artifacts. A
   * prompt whose metadata names a preset still runs that preset alone.
   */
  chains: z
    .object({
      image: presetName.default(null),
      music: presetName.default(null),
      voice: presetName.default(null),
    })
    .prefault({}),
  /** The job parameter that receives the prompt text, per type (the shipped presets' names). */
  promptParams: z
    .object({
      image: identifier.default('prompt'),
      music: identifier.default('tags'),
      voice: identifier.default('text'),
    })
    .prefault({}),
  /**
   * Parameters every job of a type gets, under the prompt's own metadata params: e.g. the voice
   * preset needs `{ voice: { voice_sample: "<uploaded artifact id>" } }`.
   */
  defaultParams: z
    .object({
      image: z.record(z.string(), z.unknown()).default({}),
      music: z.record(z.string(), z.unknown()).default({}),
      voice: z.record(z.string(), z.unknown()).default({}),
    })
    .prefault({}),
  /**
   * Only the artifact columns: claim by artifact_status alone and never write the host's
   * status, error_message, completed_at or processing_duration (the host's processor owns them).
   */
  mediaOnly: z.boolean().default(false),
  /** Where prompt media files are written; file_path and preview_path are relative to it. Default <dataDir>/prompt-media. */
  mediaRoot: z.string().min(1).optional(),
  /** Where the routes are mounted (used to build file and preview URLs). */
  mountPath: z.string().startsWith('/').default('/api/prompts'),
  /** How often the poller looks for pending prompts and for jobs finished by other processes. */
  pollIntervalMs: z.number().int().min(20).default(2_000),
  /** How often ComfyUI backends are checked while they are reachable (while paused: every poll). */
  healthIntervalMs: z.number().int().min(20).default(15_000),
  /** How long one /system_stats check may take. */
  healthTimeoutMs: z.number().int().min(50).default(3_000),
  /** Prompts one poller keeps in flight (claimed, job not finished yet). */
  maxInFlight: z.number().int().min(1).max(100).default(4),
  /** A claimed prompt whose job never got recorded (the process died in between) returns to pending after this. */
  claimTimeoutMs: z.number().int().min(1_000).default(5 * 60_000),
  /**
   * A claim is leased to its poller, which renews it while it runs. A prompt left processing by a
   * poller whose process is gone (same host) or whose lease ran out is adopted by another poller.
   */
  claimLeaseMs: z.number().int().min(1_000).default(60_000),
  /**
   * A type paused because its preset could not run (missing node or model) is tried again after
   * this, even when no new preset version was published and no backend came back.
   */
  configRecheckMs: z.number().int().min(100).default(5 * 60_000),
  /** The Media Lab user the jobs are submitted as (audit trail, quotas). */
  submitAs: z.string().min(1).max(200).default('prompt-queue'),
  previews: z
    .object({
      thumbnailSize: z.number().int().min(16).max(2048).default(320),
      waveformWidth: z.number().int().min(64).max(4096).default(640),
      waveformHeight: z.number().int().min(16).max(1024).default(120),
      waveformColor: z.string().regex(/^#[0-9a-fA-F]{6}$/).default('#4f7cff'),
    })
    .prefault({}),
  /** Who is asking (default: the lab's authenticate). */
  authenticate: z.custom<Authenticate>((v) => typeof v === 'function', 'expected a function (req) => { id, roles } | null').optional(),
  /** Who may see a prompt's media (default: the prompt's owner and admins). */
  canView: z.custom<CanViewPrompt>((v) => typeof v === 'function', 'expected a function (user, prompt) => boolean').optional(),
  /** A pino logger or a console-like { info, warn, error } (default: the lab's logger); lines carry component "prompt-queue" and promptId. */
  logger: z
    .custom<LoggerInput>((v) => typeof v === 'object' && v !== null && typeof (v as Console).warn === 'function', 'expected a pino logger or { info, warn, error }')
    .optional(),
});

export type PromptQueueOptionsInput = z.input<typeof promptQueueOptionsSchema>;
export type PromptQueueOptions = z.output<typeof promptQueueOptionsSchema>;
export type HostNames = Pick<PromptQueueOptions, 'table' | 'artifactsTable' | 'migrationsTable' | 'columns'>;

export class PromptQueueOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromptQueueOptionsError';
  }
}

export function parsePromptQueueOptions(input: PromptQueueOptionsInput = {}): PromptQueueOptions {
  const result = promptQueueOptionsSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `option "promptQueue.${i.path.join('.') || '(root)'}": ${i.message}`);
    throw new PromptQueueOptionsError(`Invalid prompt-queue options: ${lines.join('; ')}`);
  }
  return result.data;
}

export function isMediaPromptType(value: unknown): value is MediaPromptType {
  return typeof value === 'string' && (MEDIA_PROMPT_TYPES as readonly string[]).includes(value);
}
