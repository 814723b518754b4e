// createMediaLab(options): everything a host needs, wired together.
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Router } from 'express';
import type { Knex } from 'knex';
import { parseOptions, type MediaLabOptions, type MediaLabOptionsInput } from './options.js';
import { openDatabase } from './db/connect.js';
import { migrateLatest, migrateRollback } from './db/migrate.js';
import { StorageJanitor, janitorSettingsFor } from './artifacts/janitor.js';
import { LocalStorage } from './artifacts/storage.js';
import { labRetentionSweep, retentionScheduleOf, type RetentionSchedule } from './artifacts/retention-schedule.js';
import { LabEventBus } from './events/bus.js';
import { DatabaseChangeWatcher } from './events/db-watcher.js';
import { KindRegistry } from './kinds/registry.js';
import { JobService } from './jobs/service.js';
import { Worker } from './worker/worker.js';
import { createRouter } from './http/router.js';
import type { ApiDoc } from './http/openapi.js';
import { createChainRoutes } from './http/chain-routes.js';
import { ChainRegistry } from './chains/registry.js';
import { defaultChainsDir } from './chains/files.js';
import { ChainEngine } from './chains/engine.js';
import { createSourceRoutes } from './http/source-routes.js';
import { EventSocketHub } from './http/events-socket.js';
import { listEvents } from './jobs/events-store.js';
import { artifactIdsUsedAsInputs, finishedJobIds, listJobs } from './jobs/store.js';
import { janitorJobs } from './jobs/janitor-facts.js';
import { getArtifact } from './artifacts/store.js';
import { installPipelines, type InstalledPipelines } from './kinds/install.js';
import { uiBundleDir } from './ui-bundle.js';
import { createLabMetrics, type LabMetrics } from './metrics/lab-metrics.js';
import { FailureStreaks } from './metrics/failure-streaks.js';
import type { User } from './core/types.js';
import { toLogger, type Logger } from './core/logger.js';
import { WorkbenchService } from './workbench/service.js';
import type { PublishChainPreset } from './workbench/chain-presets.js';
import { createWorkbenchRoutes } from './http/workbench-routes.js';

/** How often storage is checked for what a crash left behind (also once at start). */
const JANITOR_INTERVAL_MS = 3_600_000;

export interface MediaLab {
  router: Router;
  options: MediaLabOptions;
  knex: Knex;
  events: LabEventBus;
  storage: LocalStorage;
  kinds: KindRegistry;
  /** The programmatic jobs API (same rules as HTTP: validation, quotas, audit). */
  jobs: JobService & {
    list: (filters: Parameters<typeof listJobs>[1], page: Parameters<typeof listJobs>[2]) => ReturnType<typeof listJobs>;
    events: (id: string) => ReturnType<typeof listEvents>;
  };
  artifacts: { get: (id: string) => ReturnType<typeof getArtifact>; pathOf: (storageKey: string) => string };
  migrate(): Promise<string[]>;
  rollback(options?: { all?: boolean }): Promise<string[]>;
  /** Starts in-process workers (when enabled), background watchers and the storage janitor. */
  start(): Promise<void>;
  /** Graceful: stops claiming, lets running jobs reach a checkpoint, releases leases, closes what it opened. */
  stop(): Promise<void>;
  /** Serves the WebSocket /events endpoint on the host's HTTP server. */
  attach(server: Server): void;
  worker: Worker | null;
  pipelines: InstalledPipelines;
  /** Prometheus metrics (served at GET <mount>/metrics); the prompt-queue adapter sets its pause gauge here. */
  metrics: LabMetrics;
  /** Retention on a schedule (the `retention` option), started and stopped with the lab; null when off. */
  retention: RetentionSchedule | null;
  /**
   * Settles once start() has loaded the presets and checked the ComfyUI backends once (rejects
   * when start() fails). Whatever takes work on the lab's behalf (the prompt-queue poller) waits for it.
   */
  readonly ready: Promise<void>;
  /** Adds a section to GET /health (e.g. `promptQueue`); returns a function that removes it. */
  addHealthSection(name: string, section: () => unknown): () => void;
  /**
   * Adds routes mounted outside `router` (the prompt queue's) to GET /openapi.json; returns a
   * function that removes them. Routes of the lab's own router are listed in plugin/http/api-docs.ts.
   */
  addApiDoc(doc: ApiDoc): () => void;
  /** The lab's logger (options.logger, wrapped when console-like, or pino to stdout). */
  log: Logger;
  /** Workbench drafts and their runs (the same rules as /workbench/drafts). */
  workbench: WorkbenchService;
  /** Chain presets (GET/POST /chains). */
  chainPresets: ChainRegistry;
  /** The chain engine: run(user, { preset | definition, params, inputs, steps? }, { lane }), advance, steps, outputs. */
  chains: ChainEngine;
}

export async function createMediaLab(input: MediaLabOptionsInput): Promise<MediaLab> {
  const options = parseOptions(input);
  const log = toLogger(options.logger, options.logLevel);
  const { knex, owned } = openDatabase(options.database ?? join(options.dataDir, 'media-lab.sqlite'));
  const storage = new LocalStorage(options.artifactDir);
  await storage.init();
  const bus = new LabEventBus();
  const kinds = new KindRegistry();
  const pipelines = await installPipelines({ kinds, knex, options, log });
  const service = new JobService(knex, kinds, bus, options);
  const chainRegistry = new ChainRegistry(knex, { kinds, presets: pipelines.presets.registry }, log);
  const chainEngine = new ChainEngine({
    knex,
    bus,
    jobs: service,
    kinds,
    presets: pipelines.presets.registry,
    chains: chainRegistry,
    log,
    maxAttempts: options.retry.maxAttempts,
    sweepMs: Math.max(options.worker.pollIntervalMs * 4, 500),
  });
  service.useChains(chainEngine);
  const worker = options.worker.enabled ? new Worker({ knex, storage, bus, kinds, options, log }) : null;
  // A ComfyUI backend that comes up lets the jobs waiting for one start now, not at the next poll.
  if (worker) pipelines.onAvailabilityChange?.(() => worker.wake());
  // Always on: other processes (`media-lab worker`, a second server) may run jobs on this database.
  const janitor = new StorageJanitor(knex, storage, janitorJobs(knex), JANITOR_INTERVAL_MS, log, janitorSettingsFor(options.lease.durationMs));
  const watcher = new DatabaseChangeWatcher(knex, bus, Math.min(options.worker.pollIntervalMs, 250));
  const retention = retentionScheduleOf(options.retention, log);
  retention?.sweepWith(labRetentionSweep(knex, storage, { artifactIdsUsedAsInputs: () => artifactIdsUsedAsInputs(knex), finishedJobIds: () => finishedJobIds(knex) }));
  const hub = new EventSocketHub(bus, { path: `${options.mountPath}/events`, authenticate: options.authenticate, adminRole: options.adminRole });
  const streaks = new FailureStreaks(bus, options.alerts.consecutiveFailures, log);
  const healthSections = new Map<string, () => unknown>();
  const apiDocs = new Set<ApiDoc>();
  const healthExtra = async (): Promise<Record<string, unknown>> => {
    const sections: Record<string, unknown> = { ...(pipelines.health ? await pipelines.health() : {}) };
    for (const [name, section] of healthSections) sections[name] = await section();
    return sections;
  };
  let markReady: () => void = () => undefined;
  let failReady: (error: unknown) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  ready.catch(() => undefined); // start() reports its own failure; waiters see the rejection
  const metrics = createLabMetrics({
    knex,
    bus,
    lanes: () => (worker ? { ...worker.runningByKind(), workbench: worker.runningWorkbench() } : null),
    laneLimits: options.lanes,
    backends: pipelines.backends,
    streaks,
    log,
  });
  // "Export as chain preset" publishes a new version in the chain preset registry (the same
  // content again answers the version that has it).
  const publishChainPreset: PublishChainPreset = async (name, definition) => {
    const { chain, created } = await chainRegistry.publish({ name, ...definition }, 'api');
    return { name: chain.name, version: chain.version, hash: chain.hash, created };
  };
  const workbench = new WorkbenchService({ knex, jobs: service, kinds, bus, log, publishChainPreset });
  const router = createRouter({
    knex,
    storage,
    options,
    jobs: service,
    kinds,
    chainStaleness: (checks) => chainRegistry.staleness(checks),
    uiDir: uiBundleDir(),
    presets: { registry: pipelines.presets.registry, corsOrigins: pipelines.presets.corsOrigins, catalog: pipelines.presets.catalog },
    apiDocs: () => [...apiDocs],
    extraRoutes: [
      createWorkbenchRoutes({ workbench, mount: options.mountPath }),
      createChainRoutes({ registry: chainRegistry }),
      createSourceRoutes({ knex, storage, limits: options.uploads, mount: options.mountPath, sources: options.sources, log }),
    ],
    health: { knex, kinds, localWorker: () => (worker ? { id: worker.id, running: worker.runningCount } : null), extra: healthExtra, alerts: () => streaks.current() },
    metrics,
  });

  const jobsApi = Object.assign(service, {
    list: (filters: Parameters<typeof listJobs>[1], page: Parameters<typeof listJobs>[2]) => listJobs(knex, filters, page),
    events: (id: string) => listEvents(knex, id),
  });

  let started = false;
  return {
    router,
    options,
    knex,
    events: bus,
    storage,
    kinds,
    jobs: jobsApi,
    artifacts: { get: (id) => getArtifact(knex, id), pathOf: (key) => storage.pathOf(key) },
    migrate: () => migrateLatest(knex),
    rollback: (opts) => migrateRollback(knex, opts),
    worker,
    pipelines,
    metrics,
    retention,
    log,
    workbench,
    chainPresets: chainRegistry,
    chains: chainEngine,
    attach: (server) => hub.attach(server),
    ready,
    addHealthSection(name, section) {
      healthSections.set(name, section);
      return () => {
        if (healthSections.get(name) === section) healthSections.delete(name);
      };
    },
    addApiDoc(doc) {
      apiDocs.add(doc);
      return () => void apiDocs.delete(doc);
    },
    async start() {
      if (started) return;
      started = true;
      try {
        await pipelines.start?.(); // presets loaded, backends checked once
        // Chain presets after the ComfyUI presets their steps name.
        const chainsDir = options.chains.dir ?? defaultChainsDir();
        await chainRegistry.syncDirectory(chainsDir, options.chains.dir ? 'file' : 'shipped');
        if (options.chains.watch) await chainRegistry.watch(chainsDir, options.chains.dir ? 'file' : 'shipped');
      } catch (error) {
        failReady(error);
        throw error;
      }
      markReady();
      worker?.start();
      chainEngine.start();
      watcher.start();
      await workbench.start().catch((error: unknown) => log.warn({ err: error }, `workbench: could not resume draft runs: ${(error as Error).message}`));
      janitor.start();
      retention?.start();
    },
    async stop() {
      watcher.stop();
      workbench.stop();
      await retention?.stop();
      await janitor.stop();
      await worker?.stop();
      await chainEngine.stop();
      await pipelines.stop?.();
      await chainRegistry.close();
      await hub.close();
      metrics.close();
      streaks.close();
      if (owned) await knex.destroy();
      started = false;
    },
  };
}

export type { User };
