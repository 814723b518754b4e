// One Prometheus registry per lab (never prom-client's global one: several labs may share a
// process). Counters and the duration histogram are fed from the event bus as jobs finish;
// gauges are read at scrape time from the database, the local worker's lanes, the ComfyUI
// pool and the failure streaks. The prompt-queue adapter sets its pause gauge itself.
// The README's "Metrics" section lists every metric with its labels.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Knex } from 'knex';
import type { Job, WorkflowKind } from '../core/types.js';
import { JOB_STATUSES, TERMINAL_STATUSES, WORKFLOW_KINDS } from '../core/types.js';
import type { LabEventBus } from '../events/bus.js';
import { countByKindAndStatus, queuedByKind } from '../jobs/counts.js';
import type { FailureStreaks } from './failure-streaks.js';
import { onEachFinish } from './finished-once.js';

/** The worker's lanes: one per workflow kind (production), and the workbench's. */
const LANES = [...WORKFLOW_KINDS, 'workbench'] as const;

/** What the metrics read of a ComfyUI backend (the pool's `status()` rows). */
export interface BackendReading {
  name: string;
  /** null: not checked yet. */
  healthy: boolean | null;
  queueRemaining: number;
  inFlight: number;
}

export interface LabMetricsDeps {
  knex: Knex;
  bus: LabEventBus;
  /** Jobs the in-process worker runs now, by kind (null: no worker in this process). */
  /** Jobs the in-process worker runs now by lane: each kind's production lane, and the workbench's. */
  lanes: () => Record<WorkflowKind | 'workbench', number> | null;
  laneLimits: Record<WorkflowKind | 'workbench', number>;
  backends?: () => BackendReading[];
  streaks: FailureStreaks;
  log: Pick<Console, 'warn'>;
}

export interface LabMetrics {
  /** This lab's registry: a host may add its own metrics (e.g. prom-client's collectDefaultMetrics({ register })). */
  readonly registry: Registry;
  /** The exposition text and its Content-Type, for GET <mount>/metrics. */
  render(): Promise<{ contentType: string; body: string }>;
  /**
   * For the prompt-queue adapter: media processing of `promptType` prompts is paused (true) or
   * running (false). Shown as `media_lab_prompt_queue_paused{prompt_type}` 1/0.
   */
  setPromptQueuePaused(promptType: string, paused: boolean): void;
  /** Stops listening to the bus. */
  close(): void;
}

/** Seconds: a thumbnail-sized enhance takes a second, a long interpolation an hour. */
const DURATION_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200];

export function createLabMetrics(deps: LabMetricsDeps): LabMetrics {
  const registry = new Registry();
  const registers = [registry];

  const finished = new Counter({
    name: 'media_lab_jobs_finished_total',
    help: 'Jobs that reached a final state (as this process saw them finish), by workflow kind and final status.',
    labelNames: ['kind', 'status'] as const,
    registers,
  });
  const failures = new Counter({
    name: 'media_lab_job_failures_total',
    help: 'Jobs that ended FAILED, by workflow kind and error code.',
    labelNames: ['kind', 'code'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'media_lab_job_duration_seconds',
    help: 'From a job\'s first start to its final state (retries and backoff included), by workflow kind and final status.',
    labelNames: ['kind', 'status'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  // Every kind starts at zero, so rate() and absent() behave from the first scrape.
  for (const kind of WORKFLOW_KINDS) for (const status of TERMINAL_STATUSES) finished.labels(kind, status).inc(0);

  const onFinished = (job: Job) => {
    finished.labels(job.workflow, job.status).inc();
    if (job.status === 'FAILED') failures.labels(job.workflow, job.errorCode ?? 'NONE').inc();
    if (job.startedAt && job.finishedAt) {
      const seconds = (Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000;
      if (Number.isFinite(seconds) && seconds >= 0) duration.labels(job.workflow, job.status).observe(seconds);
    }
  };
  const stopCounting = onEachFinish(deps.bus, onFinished);

  // -- read at scrape time -------------------------------------------------------------------
  // One database read per scrape, shared by the gauges below (a scrape collects them all at once).
  let reading: Promise<DatabaseReading> | null = null;
  const readDatabase = () =>
    (reading ??= readJobTable(deps).finally(() => {
      reading = null;
    }));
  new Gauge({
    name: 'media_lab_database_up',
    help: '1 when this scrape could read the jobs table, else 0 (the job and queue gauges are then absent).',
    registers,
    async collect() {
      this.set((await readDatabase()).ok ? 1 : 0);
    },
  });
  new Gauge({
    name: 'media_lab_jobs',
    help: 'Jobs in the database, by workflow kind and status.',
    labelNames: ['kind', 'status'] as const,
    registers,
    async collect() {
      this.reset();
      const db = await readDatabase();
      if (!db.ok) return;
      for (const kind of WORKFLOW_KINDS) for (const status of JOB_STATUSES) this.labels(kind, status).set(0);
      for (const c of db.counts) this.labels(c.workflow, c.status).set(c.count);
    },
  });
  new Gauge({
    name: 'media_lab_queue_depth',
    help: 'QUEUED jobs by workflow kind; state="ready" may be claimed now, state="backoff" waits out a retry delay.',
    labelNames: ['kind', 'state'] as const,
    registers,
    async collect() {
      this.reset();
      const db = await readDatabase();
      if (!db.ok) return;
      for (const kind of WORKFLOW_KINDS) {
        const row = db.queued.find((r) => r.workflow === kind);
        this.labels(kind, 'ready').set(row?.ready ?? 0);
        this.labels(kind, 'backoff').set(row?.waiting ?? 0);
      }
    },
  });
  new Gauge({
    name: 'media_lab_lane_running',
    help: 'Jobs the in-process worker runs now, by lane: each workflow kind, and workbench (lane occupancy; absent without a worker in this process).',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      this.reset();
      const running = deps.lanes();
      if (running) for (const lane of LANES) this.labels(lane).set(running[lane]);
    },
  });
  new Gauge({
    name: 'media_lab_lane_limit',
    help: 'Each lane\'s concurrency limit (option lanes.<kind>, lanes.workbench); occupancy = media_lab_lane_running / media_lab_lane_limit.',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      this.reset();
      if (deps.lanes()) for (const lane of LANES) this.labels(lane).set(deps.laneLimits[lane]);
    },
  });
  const backendReadings = () => deps.backends?.() ?? [];
  new Gauge({
    name: 'media_lab_backend_up',
    help: '1 when the ComfyUI backend answered its last health check, 0 when it did not or was not checked yet.',
    labelNames: ['backend'] as const,
    registers,
    collect() {
      this.reset();
      for (const b of backendReadings()) this.labels(b.name).set(b.healthy === true ? 1 : 0);
    },
  });
  new Gauge({
    name: 'media_lab_backend_queue_depth',
    help: 'Prompts waiting or running on the ComfyUI backend (its own queue, as last read).',
    labelNames: ['backend'] as const,
    registers,
    collect() {
      this.reset();
      for (const b of backendReadings()) this.labels(b.name).set(b.queueRemaining);
    },
  });
  new Gauge({
    name: 'media_lab_backend_in_flight',
    help: 'Prompts this process has submitted to the ComfyUI backend and not yet collected.',
    labelNames: ['backend'] as const,
    registers,
    collect() {
      this.reset();
      for (const b of backendReadings()) this.labels(b.name).set(b.inFlight);
    },
  });
  new Gauge({
    name: 'media_lab_failure_streak',
    help: 'FAILED jobs in a row, per workflow kind (scope="kind") and per ComfyUI backend (scope="backend"); a success resets it.',
    labelNames: ['scope', 'subject'] as const,
    registers,
    collect() {
      this.reset();
      for (const s of deps.streaks.counts()) this.labels(s.scope, s.subject).set(s.count);
    },
  });
  new Gauge({
    name: 'media_lab_alerts',
    help: 'Standing alerts (repeated failures); /health reports "degraded" while this is above 0.',
    registers,
    collect() {
      this.set(deps.streaks.current().length);
    },
  });
  const paused = new Gauge({
    name: 'media_lab_prompt_queue_paused',
    help: '1 while the prompt-queue adapter holds back prompts of this type (no ComfyUI backend answers), else 0.',
    labelNames: ['prompt_type'] as const,
    registers,
  });

  return {
    registry,
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    setPromptQueuePaused(promptType, isPaused) {
      paused.labels(promptType).set(isPaused ? 1 : 0);
    },
    close() {
      stopCounting();
    },
  };
}

type DatabaseReading =
  | { ok: true; counts: Awaited<ReturnType<typeof countByKindAndStatus>>; queued: Awaited<ReturnType<typeof queuedByKind>> }
  | { ok: false };

async function readJobTable(deps: Pick<LabMetricsDeps, 'knex' | 'log'>): Promise<DatabaseReading> {
  try {
    const [counts, queued] = await Promise.all([countByKindAndStatus(deps.knex), queuedByKind(deps.knex)]);
    return { ok: true, counts, queued };
  } catch (error) {
    deps.log.warn(`[media-lab] metrics: could not read the jobs table: ${(error as Error).message}`);
    return { ok: false };
  }
}
