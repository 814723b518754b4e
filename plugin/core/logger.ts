// The logger the lab writes through: pino's shape (level methods taking `(fields, message)` or
// `(message)`, and `child(bindings)`). By default pino to stdout, one JSON object a line; a host
// may pass its own pino logger, or a console-like `{ info, warn, error }` that is wrapped here.
import pino from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogFn {
  (fields: object, message?: string): void;
  (message: string): void;
}

/** What the lab logs through: a pino logger, or anything with its level methods and child(). */
export interface Logger {
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

/** What hosts could pass before the lab logged structured lines; still accepted (wrapped). */
export type ConsoleLike = Pick<Console, 'info' | 'warn' | 'error'>;
export type LoggerInput = Logger | ConsoleLike;

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export function isLogger(value: unknown): value is Logger {
  const v = value as Partial<Logger> | null;
  return typeof v === 'object' && v !== null && ['error', 'warn', 'info', 'debug', 'child'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function');
}

export interface CreateLoggerOptions {
  /** Default: MEDIA_LAB_LOG_LEVEL, else info. */
  level?: LogLevel;
  /** Where the JSON lines go (a pino destination, pino-roll's stream, pino-pretty). Default: stdout. */
  destination?: pino.DestinationStream;
}

/** The level a new logger gets: the one given, else MEDIA_LAB_LOG_LEVEL when it names a level, else info. */
export function defaultLogLevel(level?: LogLevel): LogLevel {
  const env = process.env.MEDIA_LAB_LOG_LEVEL?.trim().toLowerCase();
  return level ?? (env && isLogLevel(env) ? env : 'info');
}

/** pino with the lab's settings: name "media-lab", ISO times, the level's name (not its number). */
export function createLogger(options: CreateLoggerOptions = {}): pino.Logger {
  return pino(
    {
      name: 'media-lab',
      level: defaultLogLevel(options.level),
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** A logger that writes nothing. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** The lab's logger for what a host passed (a pino-like logger as it is, a console-like one wrapped), or the default. */
export function toLogger(input: LoggerInput | undefined, level?: LogLevel): Logger {
  if (input === undefined) return createLogger({ level });
  return isLogger(input) ? input : fromConsole(input);
}

function plain(value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}

/**
 * Wraps a console-like logger: each line is `[component] message {fields}` (component from the
 * bindings, default media-lab); debug lines are dropped (a console has no level to filter them).
 */
export function fromConsole(target: ConsoleLike, bindings: Record<string, unknown> = {}): Logger {
  const line = (level: 'info' | 'warn' | 'error') => {
    const fn = (first: object | string, message?: string) => {
      const fields: Record<string, unknown> = { ...bindings, ...(typeof first === 'string' ? {} : (first as Record<string, unknown>)) };
      const text = typeof first === 'string' ? first : message ?? '';
      const { component, ...rest } = fields;
      const shown = Object.entries(rest).filter(([, v]) => v !== undefined);
      const suffix = shown.length ? ` ${JSON.stringify(Object.fromEntries(shown.map(([k, v]) => [k, plain(v)])))}` : '';
      const prefix = text.startsWith('[') ? '' : `[${typeof component === 'string' ? component : 'media-lab'}] `;
      target[level](`${prefix}${text}${suffix}`);
    };
    return fn as LogFn;
  };
  return {
    error: line('error'),
    warn: line('warn'),
    info: line('info'),
    debug: (() => undefined) as LogFn,
    child: (more) => fromConsole(target, { ...bindings, ...more }),
  };
}
