// The poller: each pass (1) renews its claims, adopts the claims of dead pollers and writes the
// outcome of claimed prompts whose jobs finished, (2) checks that a ComfyUI backend is up and
// whether paused types may resume, (3) claims pending media prompts of the types not paused with
// a guarded update and submits one Media Lab job per prompt. A configuration problem pauses the
// prompt's type and gives the prompt back (see pauses.ts); only the prompt's own problems fail it.
// Everything it needs to resume lives in the database, so any poller can finish any prompt.
// It polls only once the lab is ready (presets loaded, backends checked).
import type { Knex } from 'knex';
import type { Job, User } from '../core/types.js';
import type { Logger } from '../core/logger.js';
import { isTerminal } from '../core/types.js';
import { MediaLabError, ValidationError } from '../core/errors.js';
import { QuotaError } from '../jobs/service.js';
import { latestJobOfSource } from '../jobs/store.js';
import type { MediaLab } from '../media-lab.js';
import { isMediaPromptType, WORKFLOW_OF_TYPE, type MediaPromptType, type PromptQueueOptions } from './options.js';
import type { HostSchema } from './host-schema.js';
import type { Availability, AvailabilityCheck } from './comfy-availability.js';
import type { PromptMediaRoot } from './media-root.js';
import {
  claimMarkerOf,
  claimPrompt,
  getPrompt,
  parseJsonText,
  pendingPromptIds,
  processingPrompts,
  recordPromptJob,
  releasePrompt,
  updateClaimMarker,
  type ClaimMarker,
} from './prompt-rows.js';
import { ownerState } from './claim-owner.js';
import { TypePauses } from './pauses.js';
import { jobProblem, submitCodeProblem, submitProblem, type ConfigurationProblem } from './configuration-problems.js';
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
  /** The types held back now, each with `paused: <why>` (a backend pause names every type). */
  pausedTypes: Partial<Record<MediaPromptType, string>>;
  claimed: number;
  /** Prompts left processing by a dead poller (process gone, or claim lease expired) that this one took over. */
  adopted: number;
  submitted: number;
  completed: number;
  failed: number;
  /** Claims given back to pending (quota reached, a configuration problem, a job that is gone, or a submitter that died before recording its job). */
  released: number;
}

export interface DrainReport extends PassReport {
  /** Pending media prompts left behind (a limit was reached, or processing paused). */
  pendingLeft: number;
  /** `maxWaitMs` ran out: prompts this run held were still processing (they keep their state). */
  maxWaitReached: boolean;
  /** Prompts this run held that were still processing when it returned. */
  inFlightLeft: number;
}

/** Passes that may fail to write one prompt's outcome before that prompt is failed. */
const OUTCOME_TRIES = 3;
const emptyReport = (): PassReport => ({ paused: false, pausedTypes: {}, claimed: 0, adopted: 0, submitted: 0, completed: 0, failed: 0, released: 0 });

function add(into: PassReport, from: PassReport): void {
  into.claimed += from.claimed;
  into.adopted += from.adopted;
  into.submitted += from.submitted;
  into.completed += from.completed;
  into.failed += from.failed;
  into.released += from.released;
  into.paused = from.paused;
  into.pausedTypes = from.pausedTypes;
}

type SubmitOutcome = 'submitted' | 'failed' | 'quota' | 'paused';

export class PromptQueuePoller {
  /** Prompts this poller claimed whose outcome it has not seen written yet (id as string -> id). */
  private readonly claims = new Map<string, PromptId>();
  private readonly outcomeErrors = new Map<string, number>();
  private lastHealth: { at: number; result: Availability } | null = null;
  private paused: boolean | null = null;
  private readonly pauses: TypePauses;
  /** Set once the lab is ready (presets loaded, backends checked): background polling waits for it. */
  private labReady = false;
  private passChain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private looping = false;
  private wakeAgain = false;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private readonly onJobFinished = (job: Job) => {
    if (job.source === 'prompt-queue') this.wake();
  };

  constructor(private readonly deps: PollerDeps) {
    this.pauses = new TypePauses(deps.lab, deps.log);
  }

  /** True while no ComfyUI backend answers (null before the first check). */
  get isPaused(): boolean | null {
    return this.paused;
  }

  /** The types held back now: `{ image: "paused: there is no preset ..." }`. */
  pausedTypes(): Partial<Record<MediaPromptType, string>> {
    return this.pauses.describe();
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
      report.pausedTypes = this.pauses.describe();
      return report;
    }
    await this.recheckPauses();
    const capacity = Math.min(claimLimit, this.deps.options.maxInFlight - this.claims.size);
    if (capacity > 0 && this.pauses.active().length > 0) await this.claimAndSubmit(capacity, report);
    report.pausedTypes = this.pauses.describe();
    return report;
  }

  // -- (1) outcomes -----------------------------------------------------------------------

  private async finishFinishedJobs(report: PassReport): Promise<void> {
    const { options, log } = this.deps;
    const rows = await processingPrompts(this.deps.knex, options);
    const stillProcessing = new Set(rows.map((r) => String(r[options.columns.id])));
    for (const key of [...this.claims.keys()]) if (!stillProcessing.has(key)) this.claims.delete(key);
    for (const read of rows) {
      const id = String(read[options.columns.id]);
      try {
        const row = await this.holdClaim(read, report);
        if (!row) continue;
        const job = await this.jobOf(row, report);
        if (!job || !isTerminal(job.status)) continue;
        if (await this.giveBackIfConfiguration(row, job, report)) continue;
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
          if (await failPrompt(this.finalizeDeps, read, `Media Lab could not store this prompt's media: ${message}`).catch(() => false)) report.failed++;
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
      // The job was deleted (pruned, or a database restored without it): the prompt gets a new one.
      if (await releasePrompt(this.deps.knex, options, row)) {
        log.warn(`[prompt-queue] prompt ${String(row[options.columns.id])}: its job ${marker.jobId} no longer exists; back to pending for a new job`);
        report.released++;
        this.claims.delete(String(row[options.columns.id]));
      }
      return null;
    }
    const id = String(row[options.columns.id]);
    const claimedAt = marker ? Date.parse(marker.claimedAt) : 0;
    const found = await latestJobOfSource(this.deps.knex, 'prompt-queue', id);
    if (found && found.createdAtMs >= claimedAt - 1000) {
      const recorded = await recordPromptJob(this.deps.knex, options, row, found.id);
      return recorded ? lab.jobs.get(found.id) : null;
    }
    const ownerDead = marker?.adoptedFrom !== undefined && marker.claimedBy === this.deps.name;
    if ((ownerDead || Date.now() - claimedAt > options.claimTimeoutMs) && (await releasePrompt(this.deps.knex, options, row))) {
      this.claims.delete(id);
      log.warn({ promptId: id }, `prompt ${id} was claimed ${marker ? `by ${marker.claimedBy} ` : ''}but no job was recorded: back to pending`);
      report.released++;
    }
    return null;
  }

  /**
   * Renews this poller's own claim lease, or adopts a claim whose poller is dead (its process is
   * gone, or its lease ran out). Returns the row as it now is; null when another poller took it.
   */
  private async holdClaim(row: PromptRow, report: PassReport): Promise<PromptRow | null> {
    const { knex, options, log, name } = this.deps;
    const marker = claimMarkerOf(row, options);
    if (!marker) return row;
    const now = Date.now();
    const lease = (): string => new Date(now + options.claimLeaseMs).toISOString();
    const id = String(row[options.columns.id]);
    if (marker.claimedBy === name) {
      const until = marker.leaseUntil ? Date.parse(marker.leaseUntil) : 0;
      if (until - now >= options.claimLeaseMs / 2) return row;
      return (await updateClaimMarker(knex, options, row, { ...marker, leaseUntil: lease() })) ?? null;
    }
    const state = ownerState(marker, now, options.claimTimeoutMs);
    if (state === 'alive') return row;
    const next: ClaimMarker = { ...marker, claimedBy: name, leaseUntil: lease(), adoptedFrom: marker.claimedBy };
    const adopted = await updateClaimMarker(knex, options, row, next);
    if (!adopted) return null;
    this.claims.set(id, row[options.columns.id] as PromptId);
    report.adopted++;
    const why = state === 'gone' ? 'its process is gone' : 'its claim lease expired';
    log.info(`[prompt-queue] adopted prompt ${id} from ${marker.claimedBy} (${why})${marker.jobId ? `: following job ${marker.jobId}` : ''}`);
    return adopted;
  }

  /** A job that failed for a configuration reason: the prompt goes back to pending and its type pauses. */
  private async giveBackIfConfiguration(row: PromptRow, job: Job, report: PassReport): Promise<boolean> {
    const { knex, options, log } = this.deps;
    const type = row[options.columns.promptType];
    const request = jobRequestOf(row, options);
    if (!isMediaPromptType(type) || !request.ok) return false;
    const problem = jobProblem(job, request.request, request.presetSource, parseJsonText(row[options.columns.metadata]));
    if (!problem) return false;
    const id = String(row[options.columns.id]);
    if (await releasePrompt(knex, options, row)) {
      report.released++;
      log.info(`[prompt-queue] prompt ${id} back to pending: job ${job.id} failed for a configuration reason, not the prompt's [${job.errorCode}]`);
    }
    this.claims.delete(id);
    this.outcomeErrors.delete(id);
    this.pauseType(type, problem);
    return true;
  }

  private pauseType(type: MediaPromptType, problem: ConfigurationProblem): void {
    this.pauses.pause(type, {
      ...problem,
      ...(problem.cause === 'unrunnable' ? { recheckAt: Date.now() + this.deps.options.configRecheckMs } : {}),
    });
  }

  /** The preset a paused type would get now (null: still none). */
  private async presetNow(type: MediaPromptType, name: string | null): Promise<{ name: string; version: number; hash: string } | null> {
    const registry = this.deps.lab.pipelines?.presets?.registry;
    if (!registry) return null;
    const kind = WORKFLOW_OF_TYPE[type];
    const preset = name ? await registry.get(name) : kind === 'generate' || kind === 'music' || kind === 'voice' ? await registry.defaultFor(kind) : null;
    return preset && preset.kind === kind ? preset : null;
  }

  /** Lifts the pauses whose cause went away: the preset was published, a new version of it, a backend came back, or it is time to try again. */
  private async recheckPauses(cameBack: string[] = []): Promise<void> {
    for (const [type, pause] of this.pauses.entries()) {
      const preset = await this.presetNow(type, pause.preset.name);
      if (pause.cause === 'preset') {
        if (preset) this.pauses.resume(type, `preset "${preset.name}" v${preset.version} is published`);
      } else if (preset && pause.preset.hash && preset.hash !== pause.preset.hash) {
        this.pauses.resume(type, `preset "${preset.name}" v${preset.version} was published`);
      } else if (cameBack.length) {
        this.pauses.resume(type, `ComfyUI backend ${cameBack.join(', ')} came back`);
      } else if (pause.recheckAt !== undefined && Date.now() >= pause.recheckAt) {
        this.pauses.lift(type); // one more try; the same failure pauses it again quietly
      }
    }
  }

  // -- (2) availability -------------------------------------------------------------------

  private async checkAvailability(): Promise<Availability> {
    const { options } = this.deps;
    const fresh = this.lastHealth && !this.paused && Date.now() - this.lastHealth.at < options.healthIntervalMs;
    if (fresh && this.lastHealth) return this.lastHealth.result;
    const result = await this.deps.availability();
    const before = this.lastHealth?.result.reachable;
    this.lastHealth = { at: Date.now(), result };
    if (result.available) this.pauses.backendAvailable(result.reachable);
    else this.pauses.backendUnavailable(result.reason ?? 'no ComfyUI backend is reachable');
    this.paused = !result.available;
    // A backend that was not reachable before (or after an outage) lifts the pauses it may fix.
    const cameBack = before ? result.reachable.filter((name) => !before.includes(name)) : [];
    if (cameBack.length) await this.recheckPauses(cameBack);
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
    const candidates = await pendingPromptIds(knex, options, Math.min(capacity * 2 + 4, 200), this.pauses.active());
    let claimed = 0;
    for (const id of candidates) {
      if (claimed >= capacity) break;
      const now = Date.now();
      const marker: ClaimMarker = { claimedAt: new Date(now).toISOString(), claimedBy: this.deps.name, leaseUntil: new Date(now + options.claimLeaseMs).toISOString() };
      if (!(await claimPrompt(knex, options, id, marker))) continue;
      claimed++;
      report.claimed++;
      const row = await getPrompt(knex, options, id);
      if (!row) continue; // the host deleted it in between
      const outcome = await this.submit(row, report);
      if (outcome === 'quota' || outcome === 'paused') break; // the next pass claims only the types still running
    }
  }

  private async submit(row: PromptRow, report: PassReport): Promise<SubmitOutcome> {
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
      const problem =
        error instanceof ValidationError
          ? submitProblem(type as MediaPromptType, request.request, request.presetSource, error.issues)
          : error instanceof MediaLabError
            ? submitCodeProblem(request.request, request.presetSource, error.code, error.message)
            : null;
      if (problem && isMediaPromptType(type)) {
        if (await releasePrompt(knex, options, row)) report.released++;
        this.pauseType(type, problem);
        return 'paused';
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

  /**
   * Processes what is pending (at most `limit` prompts) and the prompts it adopts, waits for their
   * jobs (at most `maxWaitMs`), and returns. Waits for the lab to be ready first.
   */
  async drain(options: { limit?: number; maxWaitMs?: number } = {}): Promise<DrainReport> {
    await this.deps.lab.ready;
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const deadline = options.maxWaitMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.maxWaitMs;
    let maxWaitReached = false;
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
        const pending = mayClaimMore ? (await pendingPromptIds(this.deps.knex, this.deps.options, 1, this.pauses.active())).length : 0;
        if (this.claims.size === 0 && pending === 0) break;
        const left = deadline - Date.now();
        if (left <= 0) {
          maxWaitReached = true;
          break;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(this.deps.options.pollIntervalMs, left));
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
    return { ...total, pendingLeft: left.length, maxWaitReached, inFlightLeft: this.claims.size };
  }

  /** Polls in the background until stop(), from the moment the lab is ready (presets loaded, backends checked). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.deps.lab.events.on('job.finished', this.onJobFinished);
    this.deps.lab.ready.then(
      () => {
        this.labReady = true;
        this.wake();
      },
      (error: unknown) => this.deps.log.error(`[prompt-queue] not polling: Media Lab did not start (${(error as Error).message})`),
    );
  }

  /** Runs a pass soon (a job finished, or the host asked). */
  wake(): void {
    if (!this.running || !this.labReady) return;
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
