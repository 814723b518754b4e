// Where a long-running command (serve, worker, prompt-queue) writes its structured logs:
// --log-file: JSON lines into files rotated by size (pino-roll), for launchd/systemd;
// else stdout: JSON lines, or readable lines (pino-pretty) when stdout is a terminal.
// Code that runs a command with a logger of its own (tests, a host) gets the lines there.
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import pinoPretty from 'pino-pretty';
import { flag, UsageError, type ParsedArgs } from './args.js';
import type { Log } from './command.js';
import { createLogger, isLogLevel, toLogger, type LogLevel, type Logger } from '../core/logger.js';
import { logFileSet } from './log-files.js';

export const LOG_FILE_DEFAULTS = { maxSize: '10m', count: 5 } as const;

/** pino-roll's stream: a SonicBoom. */
interface RollStream extends EventEmitter {
  write(chunk: string): boolean;
  flush(callback?: (error?: Error) => void): void;
  end(): void;
}
type PinoRoll = (options: { file: string; size?: string; limit?: { count: number; removeOtherLogFiles?: boolean }; mkdir?: boolean }) => Promise<RollStream>;

const require = createRequire(import.meta.url);

export interface CliLogger {
  logger: Logger;
  /** The file being written (with --log-file). */
  file: string | null;
  /** Flushes and closes what it opened. */
  close(): Promise<void>;
}

/** The log options, checked before anything opens (a bad one is a usage error). */
export function logOptionsOf(args: ParsedArgs): { level?: LogLevel; file?: string; maxSize: string; count: number } {
  const level = flag(args, 'log-level', 'MEDIA_LAB_LOG_LEVEL')?.trim().toLowerCase();
  if (level !== undefined && !isLogLevel(level)) throw new UsageError(`--log-level expects fatal, error, warn, info, debug, trace or silent; got "${level}"`);
  const maxSize = flag(args, 'log-max-size', 'MEDIA_LAB_LOG_MAX_SIZE') ?? LOG_FILE_DEFAULTS.maxSize;
  if (!/^\d+(\.\d+)?[kmg]?$/i.test(maxSize)) throw new UsageError(`--log-max-size expects a size such as 500k, 10m or 1g; got "${maxSize}"`);
  const countText = flag(args, 'log-count', 'MEDIA_LAB_LOG_COUNT');
  if (countText !== undefined && (!/^\d+$/.test(countText) || Number(countText) < 1)) throw new UsageError(`--log-count expects a positive whole number; got "${countText}"`);
  const file = flag(args, 'log-file', 'MEDIA_LAB_LOG_FILE') || undefined;
  return { level: level as LogLevel | undefined, file, maxSize, count: countText === undefined ? LOG_FILE_DEFAULTS.count : Number(countText) };
}

export async function openCliLogger(args: ParsedArgs, log: Log): Promise<CliLogger> {
  const options = logOptionsOf(args);
  if (options.file) {
    const pinoRoll = require('pino-roll') as PinoRoll;
    const set = logFileSet(options.file);
    // At most `count` earlier files stay besides the current one; removeOtherLogFiles: those of earlier runs count too.
    const stream = await pinoRoll({ file: set.path, size: options.maxSize, limit: { count: options.count, removeOtherLogFiles: true }, mkdir: true });
    return {
      logger: createLogger({ level: options.level, destination: stream }),
      file: set.path,
      close: () =>
        new Promise<void>((done) => {
          stream.once('close', () => done());
          stream.end(); // writes what is buffered, then closes
        }),
    };
  }
  if (log !== console) return { logger: toLogger(log), file: null, close: async () => undefined };
  if (process.stdout.isTTY) {
    const pretty = pinoPretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name', destination: 1, sync: true });
    return { logger: createLogger({ level: options.level, destination: pretty }), file: null, close: async () => undefined };
  }
  return { logger: createLogger({ level: options.level }), file: null, close: async () => undefined };
}
