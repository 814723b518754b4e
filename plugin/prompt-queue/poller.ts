// The poller: each pass (1) writes the outcome of claimed prompts whose jobs finished, (2) checks
// that a ComfyUI backend is up (else pauses: prompts stay pending, untouched), (3) claims
// pending media prompts with a guarded update and submits one Media Lab job per prompt.
// Everything it needs to resume lives in the database, so any poller can finish any prompt.
import type { Knex } from 'knex';
import type { Job, User } from '../core/types.js';
import type { Logger } from '../core/logger.js';
import { isTerminal } from '../core/types.js';
import { ValidationError } from '../core/errors.js';
import { QuotaError } from '../jobs/service.js';
import { latestJobOfSource } from '../jobs/store.js';
import type { MediaLab } from '../media-lab.js';
import { MEDIA_PROMPT_TYPES, type PromptQueueOptions } from './options.js';
import type { HostSchema } from './host-schema.js';
import type { Availability, AvailabilityCheck } from './comfy-availability.js';
import type { PromptMediaRoot } from './media-root.js';
import {
  claimMarkerOf,
  claimPrompt,
  getPrompt,
  pendingPromptIds,
  processingPrompts,
  recordPromptJob,
  releasePrompt,
} from './prompt-rows.js';
import type { PromptId, PromptRow } from './host-row.js';
import { jobRequestOf } from './job-request.js';
import { failPrompt, finalizePrompt, type FinalizeDeps } from './finalize.js';

export interface PollerDeps {
  lab: MediaLab;
  knex: Knex;
  options: PromptQueueOptions;
  schema: HostSchema;
  media: PromptMediaRoot;
  availability: AvailabilityCheck;
  log: Logger;
  /** Recorded in each claim marker (which poller took the prompt). */
  name: string;
}

export interface PassReport {
  /** No ComfyUI backend answered: nothing was claimed. */
  paused: boolean;
  claimed: number;
  submitted: number;
  completed: number;
  failed: number;
  /** Claims given back to pending (quota reached, or a submitter that died before recording its job). */
  released: number;
}

export interface DrainReport extends PassReport {
  /** Pending media prompts left behind (a limit was reached, or processing paused). */
  pendingLeft: number;
}

/** Passes that may fail to write one prompt's outcome before that prompt is failed. */
const OUTCOME_TRIES = 3;
const emptyReport = (): PassReport => ({ paused: false, claimed: 0, submitted: 0, completed: 0, failed: 0, released: 0 });

function add(into: PassReport, from: PassReport): void {
  into.claimed += from.claimed;
  into.submitted += from.submitted;
  into.completed += from.completed;
  into.failed += from.failed;
  into.released += from.released;
  into.paused = from.paused;
}

export class PromptQueuePoller {
  /** Prompts this poller claimed whose outcome it has not seen written yet (id as string -> id). */
  private readonly claims = new Map<string, PromptId>();
  private readonly outcomeErrors = new Map<string, number>();
  private lastHealth: { at: number; result: Availability } | null = null;
  private paused: boolean | null = null;
  private passChain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private looping = false;
  private wakeAgain = false;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private readonly onJobFinished = (job: Job) => {
    if (job.source === 'prompt-queue') this.wake();
  };

  constructor(private readonly deps: PollerDeps) {}

  /** True while no ComfyUI backend answers (null before the first check). */
  get isPaused(): boolean | null {
    return this.paused;
  }

  get inFlight(): number {
    return this.claims.size;
  }

  private get user(): User {
    return { id: this.deps.options.submitAs, roles: [this.deps.lab.options.adminRole] };
  }

  private get finalizeDeps(): FinalizeDeps {
    const { lab, knex, options, schema, media, log } = this.deps;
    return { lab, knex, options, schema, media, log };
  }

  /** One pass; passes never overlap. */
  pass(options: { claimLimit?: number } = {}): Promise<PassReport> {
    const next = this.passChain.then(() => this.runPass(options.claimLimit ?? Number.POSITIVE_INFINITY));
    this.passChain = next.catch(() => undefined);
    return next;
  }

  private async runPass(claimLimit: number): Promise<PassReport> {
    const report = emptyReport();
    await this.finishFinishedJobs(report);
    const availability = await this.checkAvailability();
    if (!availability.available) {
      report.paused = true;
      return report;
    }
    const capacity = Math.min(claimLimit, this.deps.options.maxInFlight - this.claims.size);
    if (capacity > 0) await this.claimAndSubmit(capacity, report);
    return report;
  }

  // -- (1) outcomes -----------------------------------------------------------------------

  private async finishFinishedJobs(report: PassReport): Promise<void> {
    const { options, log } = this.deps;
    const rows = await processingPrompts(this.deps.knex, options);
    const stillProcessing = new Set(rows.map((r) => String(r[options.columns.id])));
    for (const key of [...this.claims.keys()]) if (!stillProcessing.has(key)) this.claims.delete(key);
    for (const row of rows) {
      const id = String(row[options.columns.id]);
      try {
        const job = await this.jobOf(row, report);
        if (!job || !isTerminal(job.status)) continue;
        const outcome = await finalizePrompt(this.finalizeDeps, row, job);
        if (outcome === 'completed') report.completed++;
        if (outcome === 'failed') report.failed++;
        this.claims.delete(id);
        this.outcomeErrors.delete(id);
      } catch (error) {
        // One prompt's trouble (a missing file, a full disk) never stops the others; after a
        // few tries it fails that prompt, so a `--once` run always ends.
        const message = (error as Error).message;
        const tries = (this.outcomeErrors.get(id) ?? 0) + 1;
        this.outcomeErrors.set(id, tries);
        log.error({ promptId: id, err: error }, `could not write the outcome of prompt ${id} (try ${tries}/${OUTCOME_TRIES}): ${message}`);
        if (tries >= OUTCOME_TRIES) {
          this.outcomeErrors.delete(id);
          if (await failPrompt(this.finalizeDeps, row, `Media Lab could not store this prompt's media: ${message}`).catch(() => false)) report.failed++;
          this.claims.delete(id);
        }
      }
    }
  }

  /** The job of a claimed prompt; recovers claims whose submitter died before recording it. */
  private async jobOf(row: PromptRow, report: PassReport): Promise<Job | null> {
    const { lab, options, log } = this.deps;
    const marker = claimMarkerOf(row, options);
    if (marker?.jobId) {
      const job = await lab.jobs.get(marker.jobId);
      if (job) return job;
      await failPrompt(this.finalizeDeps, row, `Media Lab job ${marker.jobId} no longer exists.`, { jobId: marker.jobId });
      report.failed++;
      return null;
    }
    const id = String(row[options.columns.id]);
    const claimedAt = marker ? Date.parse(marker.claimedAt) : 0;
    const found = await latestJobOfSource(this.deps.knex, 'prompt-queue', id);
    if (found && found.createdAtMs >= claimedAt - 1000) {
      const recorded = await recordPromptJob(this.deps.knex, options, row, found.id);
      return recorded ? lab.jobs.get(found.id) : null;
    }
    if (Date.now() - claimedAt > options.claimTimeoutMs && (await releasePrompt(this.deps.knex, options, row))) {
      log.warn({ promptId: id }, `prompt ${id} was claimed ${marker ? `by ${marker.claimedBy} ` : ''}but no job was recorded: back to pending`);
      report.released++;
    }
    return null;
  }

  // -- (2) availability -------------------------------------------------------------------

  private async checkAvailability(): Promise<Availability> {
    const { options, log } = this.deps;
    const fresh = this.lastHealth && !this.paused && Date.now() - this.lastHealth.at < options.healthIntervalMs;
    if (fresh && this.lastHealth) return this.lastHealth.result;
    const result = await this.deps.availability();
    this.lastHealth = { at: Date.now(), result };
    if (!result.available && this.paused !== true) {
      log.warn({ paused: true }, `media processing paused: ${result.reason}. Media prompts stay pending until a backend answers.`);
    } else if (result.available && this.paused === true) {
      log.info({ paused: false }, `media processing resumed: ${result.reachable.join(', ')} reachable again`);
    }
    this.paused = !result.available;
    // One pause covers every media type today; the gauge is per type for a later per-type pause.
    for (const type of MEDIA_PROMPT_TYPES) this.deps.lab.metrics?.setPromptQueuePaused(type, this.paused);
    return result;
  }

  /** Forgets the last health check (the next pass checks the backends again). */
  recheckAvailability(): void {
    this.lastHealth = null;
  }

  // -- (3) claims -------------------------------------------------------------------------

  private async claimAndSubmit(capacity: number, report: PassReport): Promise<void> {
    const { knex, options } = this.deps;
    // A few extra candidates: another poller may take some of them first.
    const candidates = await pendingPromptIds(knex, options, Math.min(capacity * 2 + 4, 200));
    let claimed = 0;
    for (const id of candidates) {
      if (claimed >= capacity) break;
      const marker = { claimedAt: new Date().toISOString(), claimedBy: this.deps.name };
      if (!(await claimPrompt(knex, options, id, marker))) continue;
      claimed++;
      report.claimed++;
      const row = await getPrompt(knex, options, id);
      if (!row) continue; // the host deleted it in between
      const outcome = await this.submit(row, report);
      if (outcome === 'quota') break;
    }
  }

  private async submit(row: PromptRow, report: PassReport): Promise<'submitted' | 'failed' | 'quota'> {
    const { lab, knex, options } = this.deps;
    const id = String(row[options.columns.id]);
    const type = String(row[options.columns.promptType]);
    const log = this.deps.log.child({ promptId: id });
    const request = jobRequestOf(row, options);
    if (!request.ok) {
      if (await failPrompt(this.finalizeDeps, row, request.error)) report.failed++;
      return 'failed';
    }
    try {
      const { job } = await lab.jobs.submit(this.user, request.request, { source: 'prompt-queue', sourceRef: id });
      const recorded = await recordPromptJob(knex, options, row, job.id);
      if (recorded) this.claims.set(id, row[options.columns.id] as PromptId);
      report.submitted++;
      const preset = job.preset ? `${job.preset.name}${job.preset.version ? ` v${job.preset.version}` : ''}` : 'default';
      log.info({ jobId: job.id, workflow: job.workflow, preset: job.preset ? `${job.preset.name}@${job.preset.version ?? '?'}` : undefined }, `prompt ${id} (${type}) submitted as job ${job.id}: ${job.workflow}, preset ${preset}`);
      return 'submitted';
    } catch (error) {
      if (error instanceof QuotaError) {
        if (await releasePrompt(knex, options, row)) report.released++;
        log.warn(`prompt ${id} left pending: ${error.message}`);
        return 'quota';
      }
      const message =
        error instanceof ValidationError
          ? `Media Lab rejected the ${type} prompt: ${error.issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`
          : `Media Lab could not submit the ${type} prompt: ${(error as Error).message}`;
      if (await failPrompt(this.finalizeDeps, row, message)) report.failed++;
      return 'failed';
    }
  }

  // -- running ----------------------------------------------------------------------------

  /** Processes what is pending (at most `limit` prompts), waits for their jobs, and returns. */
  async drain(options: { limit?: number } = {}): Promise<DrainReport> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const total = emptyReport();
    let wake: (() => void) | null = null;
    const waker = (job: Job) => {
      if (job.source === 'prompt-queue') wake?.();
    };
    this.deps.lab.events.on('job.finished', waker);
    try {
      for (;;) {
        const report = await this.pass({ claimLimit: Math.max(0, limit - total.claimed) });
        add(total, report);
        const mayClaimMore = !report.paused && total.claimed < limit;
        const pending = mayClaimMore ? (await pendingPromptIds(this.deps.knex, this.deps.options, 1)).length : 0;
        if (this.claims.size === 0 && pending === 0) break;
        if (this.claims.size === 0 && report.paused) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.deps.options.pollIntervalMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    } finally {
      this.deps.lab.events.off('job.finished', waker);
    }
    const left = await pendingPromptIds(this.deps.knex, this.deps.options, 10_000);
    return { ...total, pendingLeft: left.length };
  }

  /** Polls in the background until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.deps.lab.events.on('job.finished', this.onJobFinished);
    this.wake();
  }

  /** Runs a pass soon (a job finished, or the host asked). */
  wake(): void {
    if (!this.running) return;
    if (this.looping) {
      this.wakeAgain = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.loopDone = this.loop();
  }

  private async loop(): Promise<void> {
    this.looping = true;
    try {
      do {
        this.wakeAgain = false;
        try {
          await this.pass();
        } catch (error) {
          this.deps.log.error({ err: error }, `poll failed: ${(error as Error).message}`);
        }
      } while (this.wakeAgain && this.running);
    } finally {
      this.looping = false;
      if (this.running) this.timer = setTimeout(() => this.wake(), this.deps.options.pollIntervalMs);
    }
  }

  /** Stops polling and waits for the pass in progress. Claimed prompts keep their jobs; any poller finishes them later. */
  async stop(): Promise<void> {
    this.running = false;
    this.deps.lab.events.off('job.finished', this.onJobFinished);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.loopDone;
    await this.passChain;
  }
}
