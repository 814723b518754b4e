// createPromptQueue(lab, options): the prompt-queue adapter for a host whose `prompts` table
// holds text | image | music | voice prompts. Media prompts become Media Lab jobs; their outputs
// become prompt_artifacts rows and files under the media root.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Router } from 'express';
import type { Knex } from 'knex';
import type { MediaLab } from '../media-lab.js';
import { toLogger } from '../core/logger.js';
import { migrateLatest, migrateRollback, type MigrationSet } from '../db/migrate.js';
import { promptQueueMigrations } from '../../migrations/prompt-queue/index.js';
import { MEDIA_PROMPT_TYPES, parsePromptQueueOptions, WORKFLOW_OF_TYPE, type MediaPromptType, type PromptQueueOptions, type PromptQueueOptionsInput } from './options.js';
import { isComfyKind } from '../../contract/jobs.js';
import { probeHostSchema, type HostSchema } from './host-schema.js';
import { PromptMediaRoot } from './media-root.js';
import { comfyAvailability, comfyBackendsOf, withScriptPresets, type AvailabilityCheck } from './comfy-availability.js';
import { PromptQueuePoller, type DrainReport, type PassReport } from './poller.js';
import { createPromptRoutes, promptRoutesDoc } from './routes.js';
import { defaultCanView } from './access.js';
import { prune, type PruneReport, type PruneScope } from './prune.js';
import { installRetention } from './retention-sweep.js';

export interface PromptQueue {
  options: PromptQueueOptions;
  /** Mount at options.mountPath (default /api/prompts). */
  router: Router;
  media: PromptMediaRoot;
  migrations: MigrationSet;
  /** Applies the host-schema migrations (prompt_artifacts, artifact_status, artifact_metadata). */
  migrate(): Promise<string[]>;
  rollback(options?: { all?: boolean }): Promise<string[]>;
  /** Starts background polling (checks the host schema first). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One poll pass (finish finished jobs, check ComfyUI, claim and submit). */
  pass(options?: { claimLimit?: number }): Promise<PassReport>;
  /**
   * Processes what is pending (at most `limit` prompts) and what it adopts from dead runs, waits
   * for their jobs (at most `maxWaitMs`), returns counts. Waits for `lab.ready` (call lab.start()).
   */
  drain(options?: { limit?: number; maxWaitMs?: number }): Promise<DrainReport>;
  prune(options: { olderThanMs: number; dryRun: boolean; scope?: PruneScope }): Promise<PruneReport>;
  /** True while no ComfyUI backend answers; null before the first check. */
  readonly paused: boolean | null;
  /** The prompt types held back now, each with `paused: <why>` (empty when none). */
  pausedTypes(): Partial<Record<MediaPromptType, string>>;
}

export interface PromptQueueDeps {
  /** Replaces the ComfyUI /system_stats check (a host whose kinds do not need ComfyUI, tests). */
  availability?: AvailabilityCheck;
  /** The database holding the host's prompts table (default: the lab's). */
  knex?: Knex;
}

export function promptQueueMigrationSet(options: PromptQueueOptions): MigrationSet {
  return { tableName: options.migrationsTable, migrations: promptQueueMigrations(options) };
}

export function createPromptQueue(lab: MediaLab, input: PromptQueueOptionsInput = {}, deps: PromptQueueDeps = {}): PromptQueue {
  const options = parsePromptQueueOptions(input);
  const knex = deps.knex ?? lab.knex;
  const log = (options.logger ? toLogger(options.logger) : lab.log).child({ component: 'prompt-queue' });
  const media = new PromptMediaRoot(options.mediaRoot ?? join(lab.options.dataDir, 'prompt-media'));
  const migrations = promptQueueMigrationSet(options);
  const comfyCheck = comfyAvailability(comfyBackendsOf(lab.options), options.healthTimeoutMs);
  const scripts = lab.pipelines.scripts;
  const availability =
    deps.availability ??
    (scripts
      ? withScriptPresets(
          comfyCheck,
          {
            available: () => scripts.availability().available,
            isScriptPreset: async (kind, name) => {
              const { registry } = lab.pipelines.presets;
              const preset = name ? await registry.get(name) : isComfyKind(kind) ? await registry.defaultFor(kind) : null;
              return Boolean(preset?.definition.script && preset.kind === kind);
            },
          },
          MEDIA_PROMPT_TYPES.map((type) => ({ kind: WORKFLOW_OF_TYPE[type], preset: typeof options.presets[type] === 'string' ? (options.presets[type] as string) : null })),
        )
      : comfyCheck);
  const name = `prompt-queue:${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

  let schema: Promise<HostSchema> | null = null;
  let poller: PromptQueuePoller | null = null;
  const ready = async (): Promise<PromptQueuePoller> => {
    schema ??= probeHostSchema(knex, options).catch((error: unknown) => {
      schema = null; // a later call (after migrate) may succeed
      throw error;
    });
    const probed = await schema;
    poller ??= new PromptQueuePoller({ lab, knex, options, schema: probed, media, availability, log, name });
    return poller;
  };

  const router = createPromptRoutes({
    knex,
    options,
    media,
    authenticate: options.authenticate ?? lab.options.authenticate,
    canView: options.canView ?? defaultCanView(options, lab.options.adminRole),
    ready,
    paused: () => poller?.pausedTypes() ?? {},
  });
  lab.addApiDoc(promptRoutesDoc(options.mountPath)); // GET <lab mount>/openapi.json documents these routes too
  installRetention(lab, { options, media }); // scheduled retention (lab.retention) covers the prompt artifacts too
  let removeHealth: (() => void) | null = null;

  return {
    options,
    router,
    media,
    migrations,
    migrate: async () => {
      const applied = await migrateLatest(knex, migrations);
      schema = null;
      return applied;
    },
    rollback: async (opts = {}) => {
      const rolled = await migrateRollback(knex, opts, migrations);
      schema = null;
      return rolled;
    },
    async start() {
      const started = await ready();
      removeHealth ??= lab.addHealthSection('promptQueue', () => ({
        table: options.table,
        polling: true,
        backendReachable: started.isPaused === null ? null : !started.isPaused,
        inFlight: started.inFlight,
        paused: started.pausedTypes(),
      }));
      started.start();
    },
    async stop() {
      removeHealth?.();
      removeHealth = null;
      await poller?.stop();
    },
    pass: async (opts) => (await ready()).pass(opts),
    drain: async (opts) => (await ready()).drain(opts),
    prune: (opts) => prune({ knex, storage: lab.storage, promptQueue: { options, media }, ...opts }),
    get paused() {
      return poller?.isPaused ?? null;
    },
    pausedTypes: () => poller?.pausedTypes() ?? {},
  };
}
