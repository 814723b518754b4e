// The worker: claims jobs with a lease, runs them in per-kind lanes, heartbeats, and moves
// each job to its next state with one guarded write. Wakes at once on in-process submits;
// polls briefly for work submitted by other processes.
import Bottleneck from 'bottleneck';
import { hostname } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Knex } from 'knex';
import type { ExecutorContext, Job, JsonObject, WorkflowKind } from '../core/types.js';
import { WORKFLOW_KINDS } from '../core/types.js';
import { MediaLabError, isAbortError } from '../core/errors.js';
import { isoAfter } from '../core/time.js';
import { stopJob, stopOutcome, stopReasonOf } from '../../contract/stop.js';
import * as claims from '../jobs/claim.js';
import { getJob } from '../jobs/store.js';
import { transition } from '../jobs/transition.js';
import { jobTempName } from '../artifacts/temp-dir-name.js';
import { getArtifacts, publishJobArtifacts } from '../artifacts/store.js';
import type { LocalStorage } from '../artifacts/storage.js';
import { discardArtifacts, discardUnpublished, recordOutput } from '../artifacts/outputs.js';
import type { LabEventBus } from '../events/bus.js';
import type { KindRegistry } from '../kinds/registry.js';
import type { MediaLabOptions } from '../options.js';
import { retryDelayMs } from './backoff.js';
import { armRunLimit, runLimitDetails, runLimitOf, timeoutFailure, type RunLimit } from './run-limit.js';

interface RunningJob {
  job: Job;
  controller: AbortController;
  done: Promise<void>;
}

export interface WorkerDeps {
  knex: Knex;
  storage: LocalStorage;
  bus: LabEventBus;
  kinds: KindRegistry;
  options: MediaLabOptions;
  log: Pick<Console, 'info' | 'warn' | 'error'>;
}

export class Worker {
  readonly id: string;
  private readonly lanes: Record<WorkflowKind, Bottleneck>;
  private readonly running = new Map<string, RunningJob>();
  private active = false;
  private loopPromise: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private wakePending = false;
  private lastLeaseSweep = 0;
  private readonly onQueued = () => this.wake();
  private readonly onCancel = (id: string) => {
    const running = this.running.get(id);
    if (running) stopJob(running.controller, 'cancelled');
  };

  constructor(private readonly deps: WorkerDeps) {
    this.id = deps.options.worker.name ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.lanes = Object.fromEntries(
      WORKFLOW_KINDS.map((k) => [k, new Bottleneck({ maxConcurrent: deps.options.lanes[k] })]),
    ) as Record<WorkflowKind, Bottleneck>;
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** Jobs this worker runs now, by kind: each lane's occupancy (its limit is `options.lanes`). */
  runningByKind(): Record<WorkflowKind, number> {
    const counts = Object.fromEntries(WORKFLOW_KINDS.map((k) => [k, 0])) as Record<WorkflowKind, number>;
    for (const { job } of this.running.values()) counts[job.workflow]++;
    return counts;
  }

  start(): void {
    if (this.active) return;
    this.active = true;
    this.deps.bus.on('job.queued', this.onQueued);
    this.deps.bus.on('job.cancel-requested', this.onCancel);
    this.loopPromise = this.loop();
  }

  wake(): void {
    this.wakePending = true;
    this.wakeUp?.();
  }

  /** Stops claiming, asks running jobs to stop at a checkpoint, and releases their leases. */
  async stop(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    this.deps.bus.off('job.queued', this.onQueued);
    this.deps.bus.off('job.cancel-requested', this.onCancel);
    this.wake();
    await this.loopPromise;
    const grace = this.deps.options.worker.shutdownGraceMs;
    const all = Promise.all([...this.running.values()].map((r) => r.done));
    // Give running jobs the grace period to finish on their own, then ask them to stop.
    let graceTimer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<boolean>((resolve) => {
      graceTimer = setTimeout(() => resolve(false), grace);
    });
    const finished = await Promise.race([all.then(() => true), graceOver]);
    clearTimeout(graceTimer); // never keep the process alive for the rest of the grace period
    if (!finished) {
      for (const r of this.running.values()) stopJob(r.controller, 'shutdown');
      await all;
    }
  }

  private freeKinds(): WorkflowKind[] {
    return WORKFLOW_KINDS.filter((k) => {
      const counts = this.lanes[k].counts();
      return counts.RECEIVED + counts.QUEUED + counts.RUNNING + counts.EXECUTING < this.deps.options.lanes[k];
    });
  }

  private async loop(): Promise<void> {
    const { options, log } = this.deps;
    while (this.active) {
      this.wakePending = false;
      let claimedAny = false;
      try {
        await this.sweepExpiredLeases();
        for (const kind of this.freeKinds()) {
          if (!this.active) break;
          const job = await claims.claimNextJob(this.deps.knex, { owner: this.id, kinds: [kind], leaseMs: options.lease.durationMs });
          if (job) {
            claimedAny = true;
            this.deps.bus.jobChanged(job);
            this.launch(job);
          }
        }
      } catch (error) {
        log.error(`[media-lab] worker ${this.id}: claim failed: ${(error as Error).message}`);
        await sleep(options.worker.pollIntervalMs);
      }
      if (claimedAny || this.wakePending || !this.active) continue;
      await this.idle();
    }
  }

  /** Sleeps until woken, a lane frees up, the next backoff ends, or the cross-process poll. */
  private async idle(): Promise<void> {
    let timeout = this.deps.options.worker.pollIntervalMs;
    const next = await claims.nextRunAfter(this.deps.knex, this.freeKinds()).catch(() => null);
    if (next !== null) timeout = Math.max(0, Math.min(timeout, next - Date.now()));
    if (timeout === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeout);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
    this.wakeUp = null;
  }

  private async sweepExpiredLeases(): Promise<void> {
    const now = Date.now();
    if (now - this.lastLeaseSweep < Math.min(this.deps.options.lease.durationMs / 2, 5_000)) return;
    this.lastLeaseSweep = now;
    for (const job of await claims.jobsWithExpiredLease(this.deps.knex)) {
      const exhausted = job.attempts >= job.maxAttempts;
      const result = await transition(this.deps.knex, {
        id: job.id,
        from: ['RUNNING'],
        to: exhausted ? 'FAILED' : 'QUEUED',
        actor: `worker:${this.id}`,
        type: 'lease-expired',
        leaseOwner: job.leaseOwner ?? undefined,
        patch: exhausted
          ? { error_code: 'LEASE_LOST', error_message: `The worker running this job (${job.leaseOwner}) stopped answering on each of ${job.attempts} attempts.` }
          : { run_after: isoAfter(0), stage: 'waiting to resume (worker lost)' },
        details: { previousOwner: job.leaseOwner, attempts: job.attempts },
      });
      if (!result) continue;
      if (exhausted) {
        await discardUnpublished(this.deps.knex, this.deps.storage, job.id);
        await this.deps.storage.removeDir(this.deps.storage.workDirOf(job.id));
      } else {
        // Outputs of the dead attempt are never published; the new attempt makes its own.
        await discardUnpublished(this.deps.knex, this.deps.storage, job.id);
      }
      this.deps.bus.jobChanged(result.job);
    }
  }

  private launch(job: Job): void {
    const controller = new AbortController();
    const entry: RunningJob = { job, controller, done: Promise.resolve() };
    this.running.set(job.id, entry);
    entry.done = this.lanes[job.workflow]
      .schedule(() => this.execute(job, controller))
      .catch((error: unknown) => this.deps.log.error(`[media-lab] job ${job.id}: ${(error as Error).message}`))
      .finally(() => {
        this.running.delete(job.id);
        this.wake();
      });
  }

  private async execute(job: Job, controller: AbortController): Promise<void> {
    const { knex, storage, bus, kinds, options } = this.deps;
    // This attempt's run time is measured from here (time spent QUEUED is not run time).
    const startedAt = Date.now();
    const definition = kinds.get(job.workflow);
    let limit: RunLimit = { ms: null, source: 'none' };
    let disarm: () => void = () => undefined;
    const heartbeat = setInterval(() => {
      claims
        .heartbeat(knex, job.id, this.id, options.lease.durationMs)
        .then(({ held, cancelRequested }) => {
          if (!held) stopJob(controller, 'lease-lost');
          else if (cancelRequested) stopJob(controller, 'cancelled');
        })
        .catch((error: unknown) => this.deps.log.warn(`[media-lab] heartbeat for ${job.id} failed: ${(error as Error).message}`));
    }, options.lease.heartbeatMs);
    // Folders are made inside the try below: a failure there must still settle the job (and stop
    // the heartbeat), or it would stay RUNNING with a lease renewed forever.
    const tempDir = join(storage.root, 'tmp', jobTempName(job.id, job.attempts, randomBytes(6).toString('hex')));
    const workDir = storage.workDirOf(job.id);
    /** Outputs this attempt recorded: removed if the attempt loses its job to another worker. */
    const recorded: string[] = [];
    let lastWrite = 0;
    let lastProgress = 0;
    const ctx: ExecutorContext = {
      job,
      params: job.params,
      inputs: [],
      inputPath: (a) => storage.pathOf(a.storageKey),
      signal: controller.signal,
      progress: ({ fraction, stage }) => {
        const progress = Math.max(lastProgress, Math.min(1, Math.max(0, fraction)));
        lastProgress = progress;
        const now = Date.now();
        if (now - lastWrite < 100 && progress < 1) return;
        lastWrite = now;
        bus.emit('job.progress', { id: job.id, progress, stage: stage ?? null, at: new Date(now).toISOString() });
        void claims.updateProgress(knex, job.id, this.id, progress, stage ?? null).catch(() => undefined);
      },
      addOutput: async (spec) => {
        const artifact = await recordOutput(knex, storage, job, spec);
        recorded.push(artifact.id);
        return artifact;
      },
      tempDir,
      workDir,
      saveCheckpoint: async (state: JsonObject) => {
        job.checkpoint = state;
        await claims.saveCheckpoint(knex, job.id, this.id, state);
      },
      setBackend: (name) => claims.setBackend(knex, job.id, name),
      laneConcurrency: options.lanes[job.workflow],
      log: (message, details) => this.deps.log.info(`[media-lab] job ${job.id}: ${message}${details ? ` ${JSON.stringify(details)}` : ''}`),
    };
    try {
      limit = await runLimitOf(job, definition, options.timeouts);
      disarm = armRunLimit(controller, limit, startedAt);
      await mkdir(tempDir, { recursive: true });
      await mkdir(workDir, { recursive: true });
      if (!definition.executor) {
        throw new MediaLabError(
          'EXECUTOR_UNAVAILABLE',
          `No executor is installed for "${job.workflow}" jobs on this server. Install or configure the ${job.workflow} pipeline, then retry the job.`,
        );
      }
      const parsed = definition.paramsSchema.safeParse(job.params);
      if (!parsed.success) throw new MediaLabError('VALIDATION_FAILED', `Stored parameters no longer validate: ${parsed.error.message}`);
      ctx.params = parsed.data;
      ctx.inputs = await getArtifacts(knex, job.inputIds);
      const missing = job.inputIds.filter((id) => !ctx.inputs.some((a) => a.id === id));
      if (missing.length) throw new MediaLabError('INPUT_MISSING', `Input artifacts no longer exist: ${missing.join(', ')}`);
      controller.signal.throwIfAborted();
      const result = await definition.executor.run(ctx);
      disarm(); // the work finished in time: publishing it is not run time
      controller.signal.throwIfAborted();
      // Temp files go before the job is seen as finished: no caller ever sees leftovers.
      await storage.removeDir(tempDir);
      await this.succeed(job, { ...((result && result.summary) || {}), timeout: runLimitDetails(limit) }, recorded);
    } catch (error) {
      disarm(); // the stop's reason is settled from here on
      await storage.removeDir(tempDir).catch(() => undefined);
      await this.settleFailure(job, controller.signal, error, recorded, limit);
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async succeed(job: Job, summary: JsonObject, recorded: string[]): Promise<void> {
    const { knex, storage, bus } = this.deps;
    const result = await transition(knex, {
      id: job.id,
      from: ['RUNNING'],
      to: 'SUCCEEDED',
      actor: `worker:${this.id}`,
      type: 'succeeded',
      leaseOwner: this.id,
      patch: { progress: 1, stage: 'done', error_code: null, error_message: null, cancel_requested_at: null },
      details: summary,
      alongside: async (trx) => {
        await publishJobArtifacts(trx, job.id);
      },
    });
    if (result) {
      await storage.removeDir(storage.workDirOf(job.id));
      bus.jobChanged(result.job);
    } else {
      // Cancelled or taken over meanwhile: nothing of this attempt may be published.
      const current = await getJob(knex, job.id);
      if (current && current.leaseOwner !== null && current.leaseOwner !== this.id) {
        // Another worker runs it now: remove only what this attempt made, never the new attempt's.
        await discardArtifacts(knex, storage, recorded);
        return;
      }
      await discardUnpublished(knex, storage, job.id);
    }
  }

  private async settleFailure(job: Job, signal: AbortSignal, error: unknown, recorded: string[], limit: RunLimit): Promise<void> {
    const { knex, storage, bus, options, log } = this.deps;
    // A stop's reason decides the next state; any other error is a failure of the attempt.
    const stop = stopReasonOf(signal);
    const outcome = stop ? stopOutcome(stop) : null;
    if (outcome?.next === 'untouched') {
      log.warn(`[media-lab] job ${job.id}: lease lost; another worker owns it now`);
      // Outputs this attempt recorded after its lease was swept would otherwise stay behind,
      // and the next attempt's success would publish them with its own.
      await discardArtifacts(knex, storage, recorded);
      return;
    }
    await discardUnpublished(knex, storage, job.id);
    let result: Awaited<ReturnType<typeof transition>>;
    if (outcome?.next === 'CANCELLED') {
      result = await transition(knex, {
        id: job.id,
        from: ['RUNNING'],
        to: 'CANCELLED',
        actor: `worker:${this.id}`,
        type: 'cancelled',
        leaseOwner: this.id,
        patch: { error_code: 'CANCELLED', error_message: 'Cancelled by request.', stage: 'cancelled' },
      });
      await storage.removeDir(storage.workDirOf(job.id));
    } else if (outcome?.next === 'QUEUED') {
      result = await transition(knex, {
        id: job.id,
        from: ['RUNNING'],
        to: 'QUEUED',
        actor: `worker:${this.id}`,
        type: 'released',
        leaseOwner: this.id,
        // A shutdown is not the job's fault: give the attempt back.
        patch: { attempts: Math.max(0, job.attempts - 1), run_after: isoAfter(0), stage: 'waiting (worker restarted)' },
        details: { reason: 'worker shutdown' },
      });
    } else {
      const timedOut = stop === 'timeout' && outcome?.next === 'failed';
      const failure = outcome?.next === 'failed' ? (timedOut ? timeoutFailure(outcome.error, limit, error) : outcome.error) : failureOf(error);
      const retry = failure.transient && job.attempts < job.maxAttempts;
      const delay = retryDelayMs(job.attempts, options.retry.backoffBaseMs, options.retry.backoffMaxMs);
      result = await transition(knex, {
        id: job.id,
        from: ['RUNNING'],
        to: retry ? 'QUEUED' : 'FAILED',
        actor: `worker:${this.id}`,
        type: retry ? 'retry-scheduled' : 'failed',
        leaseOwner: this.id,
        patch: {
          error_code: failure.code,
          error_message: failure.message,
          stage: retry ? `retrying in ${Math.ceil(delay / 1000)} s` : 'failed',
          ...(retry ? { run_after: isoAfter(delay), lease_owner: null, lease_expires_at: null } : {}),
        },
        details: {
          code: failure.code,
          message: failure.message,
          attempt: job.attempts,
          ...(retry ? { retryInMs: delay } : {}),
          ...(timedOut ? { timeout: runLimitDetails(limit) } : {}),
        },
      });
      if (timedOut) log.warn(`[media-lab] job ${job.id} (attempt ${job.attempts}/${job.maxAttempts}): ${failure.message}`);
      if (!retry) await storage.removeDir(storage.workDirOf(job.id));
      if (!outcome && !(error instanceof MediaLabError)) log.error(`[media-lab] job ${job.id} failed: ${(error as Error)?.stack ?? String(error)}`);
    }
    if (result) bus.jobChanged(result.job);
  }
}

/** The error an attempt failed with, as a MediaLabError (an unknown error is worth retrying). */
function failureOf(error: unknown): MediaLabError {
  if (error instanceof MediaLabError) return error;
  if (isAbortError(error)) return new MediaLabError('EXECUTOR_FAILED', 'The executor stopped unexpectedly.', { cause: error });
  return new MediaLabError('EXECUTOR_FAILED', (error as Error)?.message ?? String(error), { cause: error, transient: true });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
