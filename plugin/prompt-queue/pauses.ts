// Per-type pauses of the prompt queue. A configuration problem (no backend reachable, a mapped
// preset that does not exist, a preset the backends cannot run) is not the prompts' fault: their
// type is paused, its prompts stay pending, the reason is said once (log, gauge, /health,
// /api/prompts, the <prompt-artifacts> widget) and once more when the type resumes by itself.
import type { MediaLab } from '../media-lab.js';
import { MEDIA_PROMPT_TYPES, type MediaPromptType } from './options.js';

/**
 * Why one type is paused, and what lifts it:
 * - `preset`: the mapped preset does not exist (or is of another kind); lifted when it is published.
 * - `unrunnable`: its job failed for a configuration reason (a missing node or model, no backend
 *   could take it); lifted when another version of the preset is published, a backend comes back,
 *   or after `configRecheckMs` (one more try, which pauses again without a second log line).
 * A backend pause (no ComfyUI backend answers) holds every type back; it is kept apart.
 */
export type PauseCause = 'preset' | 'unrunnable';

export interface TypePause {
  cause: PauseCause;
  /** A sentence that says what to do, e.g. `there is no preset "txt2img" (publish it or map image to another preset)`. */
  reason: string;
  since: string;
  /** The preset involved (name null: the kind's default; hash: the version that could not run). */
  preset: { name: string | null; hash?: string | null };
  /** `unrunnable`: when to try once more (ms since the epoch). */
  recheckAt?: number;
}

type Log = Pick<Console, 'info' | 'warn' | 'error'>;

export class TypePauses {
  private readonly pauses = new Map<MediaPromptType, TypePause>();
  /** Pauses lifted for one more try: the same reason again pauses without a second log line. */
  private readonly tried = new Map<MediaPromptType, TypePause>();
  /** Why no backend can be used (every type waits), or null. */
  private backendReason: string | null = null;

  constructor(
    private readonly lab: Pick<MediaLab, 'metrics'>,
    private readonly log: Log,
  ) {}

  get backendDown(): boolean {
    return this.backendReason !== null;
  }

  /** The types no pause holds back. */
  active(): MediaPromptType[] {
    return this.backendReason ? [] : MEDIA_PROMPT_TYPES.filter((t) => !this.pauses.has(t));
  }

  has(type: MediaPromptType): boolean {
    return this.backendReason !== null || this.pauses.has(type);
  }

  entries(): Array<[MediaPromptType, TypePause]> {
    return [...this.pauses.entries()];
  }

  /** `{ image: "paused: there is no preset ..." }`: what the API, /health and the widget show. */
  describe(): Partial<Record<MediaPromptType, string>> {
    const out: Partial<Record<MediaPromptType, string>> = {};
    for (const type of MEDIA_PROMPT_TYPES) {
      const reason = this.backendReason ?? this.pauses.get(type)?.reason;
      if (reason) out[type] = `paused: ${reason}`;
    }
    return out;
  }

  /** No backend answers: every type waits (logged once per outage). */
  backendUnavailable(reason: string): void {
    if (this.backendReason === null) {
      this.log.warn(`[prompt-queue] media processing paused: ${reason}. Media prompts stay pending until a backend answers.`);
    }
    this.backendReason = reason;
    this.publishGauges();
  }

  backendAvailable(reachable: string[]): void {
    if (this.backendReason !== null) this.log.info(`[prompt-queue] media processing resumed: ${reachable.join(', ')} reachable again`);
    this.backendReason = null;
    this.publishGauges();
  }

  /** Pauses a type; logs only when it was not paused for this reason already. */
  pause(type: MediaPromptType, pause: Omit<TypePause, 'since'>): void {
    const current = this.pauses.get(type) ?? this.tried.get(type);
    this.tried.delete(type);
    this.pauses.set(type, { ...pause, since: current?.reason === pause.reason ? current.since : new Date().toISOString() });
    this.publishGauges();
    if (current?.reason === pause.reason) return;
    this.log.warn(`[prompt-queue] ${type} prompts paused: ${pause.reason}. They stay pending; processing resumes by itself.`);
  }

  /** Lifts a type's pause (if any), saying why. */
  resume(type: MediaPromptType, why: string): void {
    this.tried.delete(type);
    if (!this.pauses.delete(type)) return;
    this.publishGauges();
    this.log.info(`[prompt-queue] ${type} prompts resumed: ${why}`);
  }

  /** Lifts a pause for one more try, without a log line. */
  lift(type: MediaPromptType): void {
    const pause = this.pauses.get(type);
    if (!pause) return;
    this.pauses.delete(type);
    this.tried.set(type, pause);
    this.publishGauges();
  }

  publishGauges(): void {
    for (const type of MEDIA_PROMPT_TYPES) this.lab.metrics?.setPromptQueuePaused(type, this.has(type));
  }
}
