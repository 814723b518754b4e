// The log of one job attempt: a child of the lab's logger whose every line carries the job's
// facts (jobId, workflow, preset name@version, attempt, and once known the backend and the
// ComfyUI prompt id), plus a ring of its last lines, kept in memory so a failure can store the
// lines that explain it with the job (its final event's details).
import type { Job, JsonObject } from '../core/types.js';
import type { Logger } from '../core/logger.js';

/** Lines of an attempt kept for its failure record. */
export const LOG_TAIL_LINES = 20;
const MAX_LINE_CHARS = 1000;

export type JobLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** How long the attempt waited and ran, in milliseconds. */
export interface JobDurations {
  /** From when the job could run (submitted, or its retry delay ended) to this attempt's start. */
  queuedMs: number;
  /** This attempt, start to now. */
  runMs: number;
  /** From submission to now (earlier attempts and backoff included). */
  totalMs: number;
}

function presetLabel(job: Job): string | undefined {
  if (!job.preset) return undefined;
  return job.preset.version === null ? job.preset.name : `${job.preset.name}@${job.preset.version}`;
}

function defined(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== null));
}

function printable(value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}

export class JobLog {
  private bindings: Record<string, unknown>;
  private logger: Logger;
  private readonly lines: string[] = [];
  private readonly startedAt = Date.now();

  constructor(
    private readonly parent: Logger,
    private readonly job: Job,
    private readonly keep = LOG_TAIL_LINES,
  ) {
    this.bindings = defined({ jobId: job.id, workflow: job.workflow, preset: presetLabel(job), attempt: job.attempts, backend: job.backend });
    this.logger = parent.child(this.bindings);
  }

  /** Adds (or replaces) fields on every later line: `backend`, `comfyPromptId`. */
  bind(fields: Record<string, unknown>): void {
    this.bindings = defined({ ...this.bindings, ...fields });
    this.logger = this.parent.child(this.bindings); // a fresh child: pino would repeat a re-bound key
  }

  /** A field bound so far (e.g. the ComfyUI prompt id). */
  bound(name: string): unknown {
    return this.bindings[name];
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.write('debug', message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.write('info', message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.write('warn', message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.write('error', message, fields);
  }

  write(level: JobLogLevel, message: string, fields: Record<string, unknown> = {}): void {
    if (level !== 'debug') this.remember(level, message, fields);
    this.logger[level](fields, message);
  }

  /** The attempt's last lines, oldest first (`<ISO time> <LEVEL> <message> {fields}`). */
  tail(): string[] {
    return [...this.lines];
  }

  durations(now = Date.now()): JobDurations {
    const created = Date.parse(this.job.createdAt);
    const runnable = Math.max(created, Date.parse(this.job.runAfter) || created);
    return {
      queuedMs: Math.max(0, this.startedAt - runnable),
      runMs: Math.max(0, now - this.startedAt),
      totalMs: Math.max(0, now - created),
    };
  }

  /** What the job's final event records about this attempt: durations, the ComfyUI prompt id, and (on failure) the log tail. */
  record(withTail: boolean): JsonObject {
    const comfyPromptId = this.bound('comfyPromptId');
    return {
      durations: { ...this.durations() },
      ...(typeof comfyPromptId === 'string' ? { comfyPromptId } : {}),
      ...(withTail ? { logTail: this.tail() } : {}),
    };
  }

  private remember(level: JobLogLevel, message: string, fields: Record<string, unknown>): void {
    const shown = Object.entries(fields).filter(([, v]) => v !== undefined);
    let extra = '';
    if (shown.length) {
      try {
        extra = ` ${JSON.stringify(Object.fromEntries(shown.map(([k, v]) => [k, printable(v)])))}`;
      } catch {
        extra = ' {…}';
      }
    }
    const line = `${new Date().toISOString()} ${level.toUpperCase()} ${message}${extra}`;
    this.lines.push(line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS - 1)}…` : line);
    if (this.lines.length > this.keep) this.lines.splice(0, this.lines.length - this.keep);
  }
}
