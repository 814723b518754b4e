// The worker: claims jobs with a lease, runs them in per-kind lanes, heartbeats, and moves
// each job to its next state with one guarded write. Wakes at once on in-process submits;
// polls briefly for work submitted by other processes.
import Bottleneck from 'bottleneck';
import { hostname } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Knex } from 'knex';
import type { Artifact, ExecutorContext, Job, JsonObject, KindJob, WorkflowKind } from '../core/types.js';
import { WORKFLOW_KINDS } from '../core/types.js';
import { isWorkflowKind, type JobWorkflow } from '../../contract/jobs.js';
import { MediaLabError, isAbortError } from '../core/errors.js';
import { isoAfter } from '../core/time.js';
import { JobStopped, stopJob, stopOutcome, stopReasonOf } from '../../contract/stop.js';
import * as claims from '../jobs/claim.js';
import { transition } from '../jobs/transition.js';
import { jobTempName } from '../artifacts/temp-dir-name.js';
import { deleteUnpublishedOfJob, getArtifacts, publishJobArtifacts } from '../artifacts/store.js';
import type { LocalStorage } from '../artifacts/storage.js';
import { discardUnpublished, recordOutput, removeFilesOf } from '../artifacts/outputs.js';
import type { LabEventBus } from '../events/bus.js';
import type { KindRegistry } from '../kinds/registry.js';
import type { MediaLabOptions } from '../options.js';
import { retryDelayMs } from './backoff.js';
import { JobLog } from './job-log.js';
import { armRunLimit, runLimitDetails, runLimitOf, timeoutFailure, type RunLimit } from './run-limit.js';
import type { Logger } from '../core/logger.js';
import { WORKBENCH_LANE } from '../../contract/workbench.js';

interface RunningJob {
  job: KindJob;
  controller: AbortController;
  done: Promise<void>;
}

export interface WorkerDeps {
  knex: Knex;
  storage: LocalStorage;
  bus: LabEventBus;
  kinds: KindRegistry;
  options: MediaLabOptions;
  log: Logger;
}

export class Worker {
  readonly id: string;
  private readonly lanes: Record<WorkflowKind, Bottleneck>;
  /** Workbench runs of any kind share this lane (`lanes.workbench`), apart from production's. */
  private readonly workbenchLane: Bottleneck;
  private readonly running = new Map<string, RunningJob>();
  private active = false;
  private loopPromise: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private wakePending = false;
  private lastLeaseSweep = 0;
  private readonly onQueued = () => this.wake();
  /** Kinds with a QUEUED job seen since their waiting jobs were last marked (see markWaitingOf). */
  private readonly waitingUnmarked = new Set<WorkflowKind>();
  private readonly waitingMarkedAt = new Map<WorkflowKind, number>();
  private readonly onUpdated = (job: Job) => {
    if (job.status === 'QUEUED' && isWorkflowKind(job.workflow)) this.waitingUnmarked.add(job.workflow);
  };
  private readonly onCancel = (id: string) => {
    const running = this.running.get(id);
    if (running) stopJob(running.controller, 'cancelled');
  };

  constructor(private readonly deps: WorkerDeps) {
    this.id = deps.options.worker.name ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.lanes = Object.fromEntries(
      WORKFLOW_KINDS.map((k) => [k, new Bottleneck({ maxConcurrent: deps.options.lanes[k] })]),
    ) as Record<WorkflowKind, Bottleneck>;
    this.workbenchLane = new Bottleneck({ maxConcurrent: deps.options.lanes.workbench });
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** Production jobs this worker runs now, by kind: each lane's occupancy (its limit is `options.lanes`). */
  runningByKind(): Record<WorkflowKind, number> {
    const counts = Object.fromEntries(WORKFLOW_KINDS.map((k) => [k, 0])) as Record<WorkflowKind, number>;
    for (const { job } of this.running.values()) if (!isWorkbench(job)) counts[job.workflow]++;
    return counts;
  }

  /** Workbench runs this worker runs now (their lane's limit is `options.lanes.workbench`). */
  runningWorkbench(): number {
    return [...this.running.values()].filter(({ job }) => isWorkbench(job)).length;
  }

  start(): void {
    if (this.active) return;
    this.active = true;
    this.deps.bus.on('job.queued', this.onQueued);
    this.deps.bus.on('job.updated', this.onUpdated);
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
    this.deps.bus.off('job.updated', this.onUpdated);
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

  // Lane occupancy is counted from `running` (a job leaves it just before the wake that follows
  // its end), not from Bottleneck's counts, which can still hold a finished job at that wake: the
  // loop then saw the lane full and slept a whole poll interval.
  private freeKinds(): WorkflowKind[] {
    const running = this.runningByKind();
    return WORKFLOW_KINDS.filter((k) => running[k] < this.deps.options.lanes[k]);
  }

  /** The kinds workbench runs are claimed for: those not waiting for their backend. */
  private workbenchKinds(): WorkflowKind[] {
    return WORKFLOW_KINDS.filter((k) => !this.waitStageOf(k));
  }

  private workbenchFree(): boolean {
    return this.runningWorkbench() < this.deps.options.lanes.workbench;
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
          // A kind that waits for its backend (ComfyUI) is not claimed: its jobs stay QUEUED,
          // no attempt spent, their stage says what they wait for.
          const waitStage = this.waitStageOf(kind);
          if (waitStage) {
            await this.markWaitingOf(kind, waitStage);
            continue;
          }
          const job = await claims.claimNextJob(this.deps.knex, { owner: this.id, kinds: [kind], leaseMs: options.lease.durationMs });
          if (job) {
            claimedAny = true;
            this.deps.bus.jobChanged(job);
            this.launch(job);
          }
        }
        // Workbench runs take only the workbench lane's slots, whatever their kind.
        if (this.active && this.workbenchFree()) {
          const job = await claims.claimNextJob(this.deps.knex, { owner: this.id, kinds: this.workbenchKinds(), leaseMs: options.lease.durationMs, lane: 'workbench' });
          if (job) {
            claimedAny = true;
            this.deps.bus.jobChanged(job);
            this.launch(job);
          }
        }
      } catch (error) {
        log.error({ worker: this.id, err: error }, `worker ${this.id}: claim failed: ${(error as Error).message}`);
        await sleep(options.worker.pollIntervalMs);
      }
      if (claimedAny || this.wakePending || !this.active) continue;
      await this.idle();
    }
  }

  /**
   * Gives the QUEUED jobs of a waiting kind its wait stage: at once for a job of that kind this
   * process saw queued (its own or relayed by the change watcher), else once per poll interval
   * (a kind that just lost its backend), not on every turn of the loop (a busy queue of other
   * kinds turns it often).
   */
  private async markWaitingOf(kind: WorkflowKind, waitStage: string): Promise<void> {
    const now = Date.now();
    if (!this.waitingUnmarked.has(kind) && now - (this.waitingMarkedAt.get(kind) ?? 0) < this.deps.options.worker.pollIntervalMs) return;
    this.waitingUnmarked.delete(kind);
    this.waitingMarkedAt.set(kind, now);
    for (const waiting of await claims.markWaiting(this.deps.knex, kind, waitStage)) this.deps.bus.jobChanged(waiting);
  }

  /** The stage QUEUED jobs of `kind` show while the kind waits for its backend; null when it can run. */
  private waitStageOf(kind: JobWorkflow): string | null {
    if (!isWorkflowKind(kind)) return null; // a chain job runs no executor of its own
    const readiness = this.deps.kinds.readiness(kind);
    return readiness.available ? null : (readiness.waitStage ?? null);
  }

  /**
   * Sleeps until woken, a lane frees up, the next backoff ends, or the cross-process poll (which
   * also sees a waiting kind's backend come back, unless the pool's change wakes it sooner).
   */
  private async idle(): Promise<void> {
    let timeout = this.deps.options.worker.pollIntervalMs;
    const claimable = this.freeKinds().filter((k) => !this.waitStageOf(k));
    const nexts = await Promise.all([
      claims.nextRunAfter(this.deps.knex, claimable).catch(() => null),
      this.workbenchFree() ? claims.nextRunAfter(this.deps.knex, this.workbenchKinds(), 'workbench').catch(() => null) : null,
    ]);
    for (const next of nexts) if (next !== null) timeout = Math.max(0, Math.min(timeout, next - Date.now()));
    // A wake that came while the queries above ran found no sleeper to wake: do not sleep past it.
    if (timeout === 0 || this.wakePending) return;
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
      // One transaction: the job moves and the dead attempt's output rows go with it. Their files
      // follow (a crash here leaves only unreferenced objects, which the storage janitor finds).
      const expired = await claims.expireLease(this.deps.knex, job, `worker:${this.id}`);
      if (!expired) continue;
      await removeFilesOf(this.deps.knex, this.deps.storage, expired.discarded);
      if (expired.exhausted) await this.deps.storage.removeDir(this.deps.storage.workDirOf(job.id));
      this.deps.bus.jobChanged(expired.job);
    }
  }

  private launch(job: KindJob): void {
    const controller = new AbortController();
    const entry: RunningJob = { job, controller, done: Promise.resolve() };
    this.running.set(job.id, entry);
    entry.done = (isWorkbench(job) ? this.workbenchLane : this.lanes[job.workflow])
      .schedule(() => this.execute(job, controller))
      .catch((error: unknown) => this.deps.log.error({ jobId: job.id, err: error }, `job ${job.id}: ${(error as Error).message}`))
      .finally(() => {
        this.running.delete(job.id);
        this.wake();
      });
  }

  private async execute(job: KindJob, controller: AbortController): Promise<void> {
    const { knex, storage, bus, kinds, options } = this.deps;
    // This attempt's run time is measured from here (time spent QUEUED is not run time).
    const startedAt = Date.now();
    const definition = kinds.get(job.workflow);
    let limit: RunLimit = { ms: null, source: 'none' };
    let disarm: () => void = () => undefined;
    const lease = claims.leaseOf(job, this.id);
    const jobLog = new JobLog(this.deps.log, job);
    jobLog.info(`job ${job.id} started (attempt ${job.attempts} of ${job.maxAttempts})`, { worker: this.id, queuedMs: jobLog.durations().queuedMs });
    /** A write of this attempt matched no row: its lease is gone, so it stops and writes nothing more. */
    const leaseLost = (): Error => {
      stopJob(controller, 'lease-lost');
      return controller.signal.reason as Error;
    };
    const heartbeat = setInterval(() => {
      claims
        .heartbeat(knex, job.id, lease, options.lease.durationMs)
        .then(({ held, cancelRequested }) => {
          if (!held) stopJob(controller, 'lease-lost');
          else if (cancelRequested) stopJob(controller, 'cancelled');
        })
        .catch((error: unknown) => jobLog.warn(`heartbeat for ${job.id} failed: ${(error as Error).message}`));
    }, options.lease.heartbeatMs);
    // Folders are made inside the try below: a failure there must still settle the job (and stop
    // the heartbeat), or it would stay RUNNING with a lease renewed forever.
    const tempDir = join(storage.root, 'tmp', jobTempName(job.id, job.attempts, randomBytes(6).toString('hex')));
    const workDir = storage.workDirOf(job.id);
    let lastWrite = 0;
    // Progress is written in order and announced once the write shows the lease is still held.
    let progressWrites = Promise.resolve();
    let lastProgress = 0;
    let lastStage: string | null = null;
    const ctx: ExecutorContext = {
      job,
      params: job.params,
      inputs: [],
      inputPath: (a) => storage.pathOf(a.storageKey),
      signal: controller.signal,
      progress: ({ fraction, stage }) => {
        const progress = Math.max(lastProgress, Math.min(1, Math.max(0, fraction)));
        lastProgress = progress;
        if (stage && stage !== lastStage) jobLog.info(`stage: ${stage}`, { stage, progress });
        lastStage = stage ?? lastStage;
        const now = Date.now();
        if (now - lastWrite < 100 && progress < 1) return;
        lastWrite = now;
        progressWrites = progressWrites
          .then(() => claims.updateProgress(knex, job.id, lease, progress, stage ?? null))
          .then((held) => {
            if (!held) return void leaseLost();
            bus.emit('job.progress', { id: job.id, progress, stage: stage ?? null, at: new Date(now).toISOString() });
          })
          .catch(() => undefined);
      },
      addOutput: async (spec) => {
        try {
          return await recordOutput(knex, storage, job, spec, (trx) => claims.confirmLease(trx, job.id, lease));
        } catch (error) {
          if (error instanceof JobStopped && error.reason === 'lease-lost') throw leaseLost();
          throw error;
        }
      },
      tempDir,
      workDir,
      saveCheckpoint: async (state: JsonObject) => {
        if (!(await claims.saveCheckpoint(knex, job.id, lease, state))) throw leaseLost();
        job.checkpoint = state;
      },
      setBackend: async (name) => {
        jobLog.bind({ backend: name });
        if (!(await claims.setBackend(knex, job.id, lease, name))) throw leaseLost();
      },
      laneConcurrency: isWorkbench(job) ? options.lanes.workbench : options.lanes[job.workflow],
      log: (message, details, level = 'info') => jobLog.write(level, message, details),
      bindLog: (fields) => jobLog.bind(fields),
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
      await progressWrites;
      controller.signal.throwIfAborted();
      // Temp files go before the job is seen as finished: no caller ever sees leftovers.
      await storage.removeDir(tempDir);
      await this.succeed(job, { ...((result && result.summary) || {}), timeout: runLimitDetails(limit) }, jobLog);
    } catch (error) {
      disarm(); // the stop's reason is settled from here on
      await storage.removeDir(tempDir).catch(() => undefined);
      await progressWrites;
      await this.settleFailure(job, controller.signal, error, jobLog, limit);
    } finally {
      clearInterval(heartbeat);
    }
  }

  /**
   * A final write of this attempt, fenced by its lease (owner and attempt number in the guard),
   * with the job's unpublished outputs deleted in the same transaction unless `publish` keeps
   * them. Null when the lease is gone; the attempt then removes only its own leftovers.
   */
  private async settle(
    job: Job,
    request: Omit<Parameters<typeof transition>[1], 'id' | 'from' | 'actor' | 'leaseOwner' | 'attempt' | 'alongside'>,
    publish = false,
  ): Promise<Job | null> {
    const { knex, storage } = this.deps;
    let discarded: Artifact[] = [];
    const result = await transition(knex, {
      ...request,
      id: job.id,
      from: ['RUNNING'],
      actor: `worker:${this.id}`,
      leaseOwner: this.id,
      attempt: job.attempts,
      alongside: async (trx) => {
        if (publish) await publishJobArtifacts(trx, job.id, job.attempts);
        // Anything a dead attempt left unpublished goes now; this attempt's outputs go unless published.
        discarded = await deleteUnpublishedOfJob(trx, job.id, publish ? { exceptAttempt: job.attempts } : {});
      },
    });
    if (!result) {
      // Another attempt owns the job now (or nobody does): remove only what this attempt recorded.
      await this.discardOwnOutputs(job);
      return null;
    }
    await removeFilesOf(knex, storage, discarded);
    return result.job;
  }

  private async discardOwnOutputs(job: Job): Promise<void> {
    await discardUnpublished(this.deps.knex, this.deps.storage, job.id, { attempt: job.attempts });
  }

  private async succeed(job: Job, summary: JsonObject, jobLog: JobLog): Promise<void> {
    const { storage, bus } = this.deps;
    const finished = await this.settle(
      job,
      {
        to: 'SUCCEEDED',
        type: 'succeeded',
        patch: { progress: 1, stage: 'done', error_code: null, error_message: null, cancel_requested_at: null },
        details: { ...summary, ...jobLog.record(false) },
      },
      true,
    );
    if (!finished) {
      jobLog.warn(`job ${job.id} finished, but it was cancelled or taken over meanwhile: its outputs are discarded`, { outcome: 'DISCARDED' });
      return;
    }
    jobLog.info(`job ${job.id} succeeded`, { outcome: 'SUCCEEDED', ...jobLog.durations() });
    await storage.removeDir(storage.workDirOf(job.id));
    bus.jobChanged(finished);
  }

  private async settleFailure(job: Job, signal: AbortSignal, error: unknown, jobLog: JobLog, limit: RunLimit): Promise<void> {
    const { storage, bus, options } = this.deps;
    // A stop's reason decides the next state; any other error is a failure of the attempt.
    const stop = stopReasonOf(signal);
    const outcome = stop ? stopOutcome(stop) : null;
    if (outcome?.next === 'untouched') {
      jobLog.warn(`job ${job.id}: lease lost; another worker owns it now`, { outcome: 'LEASE_LOST', ...jobLog.durations() });
      // Rows this attempt recorded before its lease was swept (the sweep deletes them too; a
      // takeover by hand may not): never the new attempt's, never a file one of its rows needs.
      await this.discardOwnOutputs(job);
      return;
    }
    let finished: Job | null;
    if (outcome?.next === 'CANCELLED') {
      jobLog.info(`job ${job.id} cancelled`, { outcome: 'CANCELLED', ...jobLog.durations() });
      finished = await this.settle(job, {
        to: 'CANCELLED',
        type: 'cancelled',
        patch: { error_code: 'CANCELLED', error_message: 'Cancelled by request.', stage: 'cancelled' },
        details: jobLog.record(true),
      });
      if (finished) await storage.removeDir(storage.workDirOf(job.id));
    } else if (outcome?.next === 'QUEUED') {
      jobLog.info(`job ${job.id} released: the worker is shutting down`, { outcome: 'RELEASED', ...jobLog.durations() });
      finished = await this.settle(job, {
        to: 'QUEUED',
        type: 'released',
        // A shutdown is not the job's fault: give the attempt back.
        patch: { attempts: Math.max(0, job.attempts - 1), run_after: isoAfter(0), stage: 'waiting (worker restarted)' },
        details: { reason: 'worker shutdown' },
      });
    } else if (!outcome && failureOf(error).transient && this.waitStageOf(job.workflow)) {
      // The attempt failed because its backend went away (the executor found none answering):
      // not the job's fault. It goes back to waiting, its attempt given back, like a job that
      // was submitted while no backend was up.
      const failure = failureOf(error);
      const stage = this.waitStageOf(job.workflow) as string;
      jobLog.warn(`job ${job.id} attempt ${job.attempts} stopped: [${failure.code}] ${failure.message}; it waits for a backend (attempt given back)`, {
        outcome: 'WAITING',
        errorCode: failure.code,
        ...jobLog.durations(),
      });
      finished = await this.settle(job, {
        to: 'QUEUED',
        type: 'waiting',
        patch: { attempts: Math.max(0, job.attempts - 1), run_after: isoAfter(0), stage, error_code: failure.code, error_message: failure.message, lease_owner: null, lease_expires_at: null },
        details: { code: failure.code, message: failure.message, attempt: job.attempts, reason: stage, ...jobLog.record(true) },
      });
    } else {
      const timedOut = stop === 'timeout' && outcome?.next === 'failed';
      const failure = outcome?.next === 'failed' ? (timedOut ? timeoutFailure(outcome.error, limit, error) : outcome.error) : failureOf(error);
      const retry = failure.transient && job.attempts < job.maxAttempts;
      const delay = retryDelayMs(job.attempts, options.retry.backoffBaseMs, options.retry.backoffMaxMs);
      if (!outcome && !(error instanceof MediaLabError)) jobLog.error(`job ${job.id} failed unexpectedly: ${(error as Error)?.message ?? String(error)}`, { err: error });
      jobLog[retry ? 'warn' : 'error'](
        `job ${job.id} ${retry ? `attempt ${job.attempts} failed, retrying in ${Math.ceil(delay / 1000)} s` : 'failed'}: [${failure.code}] ${failure.message}`,
        { outcome: retry ? 'RETRY' : 'FAILED', errorCode: failure.code, ...(timedOut ? { timeout: runLimitDetails(limit) } : {}), ...jobLog.durations() },
      );
      finished = await this.settle(job, {
        to: retry ? 'QUEUED' : 'FAILED',
        type: retry ? 'retry-scheduled' : 'failed',
        patch: {
          error_code: failure.code,
          error_message: failure.message,
          stage: retry ? `retrying in ${Math.ceil(delay / 1000)} s` : 'failed',
          ...(retry ? { run_after: isoAfter(delay), lease_owner: null, lease_expires_at: null } : {}),
        },
        details: { code: failure.code, message: failure.message, attempt: job.attempts, ...(retry ? { retryInMs: delay } : {}), ...(timedOut ? { timeout: runLimitDetails(limit) } : {}), ...jobLog.record(true) },
      });
      if (finished && !retry) await storage.removeDir(storage.workDirOf(job.id));
    }
    if (finished) bus.jobChanged(finished);
  }
}

/** The error an attempt failed with, as a MediaLabError (an unknown error is worth retrying). */
function failureOf(error: unknown): MediaLabError {
  if (error instanceof MediaLabError) return error;
  if (isAbortError(error)) return new MediaLabError('EXECUTOR_FAILED', 'The executor stopped unexpectedly.', { cause: error });
  return new MediaLabError('EXECUTOR_FAILED', (error as Error)?.message ?? String(error), { cause: error, transient: true });
}

function isWorkbench(job: Job): boolean {
  return job.lane === WORKBENCH_LANE;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
