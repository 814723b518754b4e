// What a `media-lab` command is: its name, its usage and the options it accepts, whether it
// destroys data (then the dispatcher asks first), and what it does. The dispatcher (main.ts)
// handles --help, parsing and confirmation before `run`, so no command can skip them.
import { UsageError, type OptionSpec, type ParsedArgs } from './args.js';
import { OptionsError } from '../options.js';
import { CONFIG_OPTION, settingsOf } from './settings.js';

export type Log = Pick<Console, 'info' | 'warn' | 'error'>;

export interface Command {
  name: string;
  aliases?: readonly string[];
  /** One line for `media-lab --help`. */
  summary: string;
  /** The arguments after the name, e.g. `[--all] [--yes]`. */
  synopsis: string;
  /** More about it, printed under the synopsis by `media-lab <command> --help`. */
  details?: string;
  options: readonly OptionSpec[];
  /**
   * For a command that destroys data: what it is about to do (the confirmation's question), or
   * null when this run destroys nothing (`prune --dry-run`).
   */
  destroys?(args: ParsedArgs): string | null;
  run(args: ParsedArgs, log: Log): Promise<number>;
}

export const EXIT = { ok: 0, error: 1, usage: 2 } as const;

export const DB_OPTION: OptionSpec = { name: 'db', value: '<file|postgres://...>', env: 'MEDIA_LAB_DB', help: 'database (default <data-dir>/media-lab.sqlite)' };
export const DATA_DIR_OPTION: OptionSpec = { name: 'data-dir', value: '<dir>', env: 'MEDIA_LAB_DATA_DIR', help: 'data folder for artifacts (also DATA_DIR; default ./data)' };
export const COMFY_OPTION: OptionSpec = {
  name: 'comfy',
  value: '<url,url#burst,weight=2>',
  env: 'COMFYUI_URL',
  help: 'ComfyUI backends; options after # : burst, weight=<n>, name=<name>',
};
export const PRESETS_DIR_OPTION: OptionSpec = { name: 'presets-dir', value: '<dir>', env: 'MEDIA_LAB_PRESETS_DIR', help: 'ComfyUI presets folder (default the shipped comfy-workflows/)' };
export const YES_OPTION: OptionSpec = { name: 'yes', help: 'do it without asking (required when stdin is not a terminal)' };
export const DATABASE_OPTIONS: readonly OptionSpec[] = [DB_OPTION, DATA_DIR_OPTION, CONFIG_OPTION];
/** Where the structured logs go (log-output.ts): stdout (pretty on a terminal), or rotated files. */
export const LOG_OPTIONS: readonly OptionSpec[] = [
  { name: 'log-file', value: '<path>', env: 'MEDIA_LAB_LOG_FILE', help: 'write JSON log lines to rotated files <path without extension>.1.log, .2.log, ... instead of stdout' },
  { name: 'log-max-size', value: '<size>', env: 'MEDIA_LAB_LOG_MAX_SIZE', help: 'with --log-file: start a new file at this size (k, m, g; default 10m)' },
  { name: 'log-count', value: '<n>', env: 'MEDIA_LAB_LOG_COUNT', help: 'with --log-file: earlier files kept besides the current one (default 5)' },
  { name: 'log-level', value: '<level>', env: 'MEDIA_LAB_LOG_LEVEL', help: 'fatal, error, warn, info (default), debug, trace or silent' },
];

/** Data folder, database and ComfyUI backends: flag > environment > config file > default (settings.ts). */
export function commonOptions(args: ParsedArgs) {
  const { dataDir, db, comfy } = settingsOf(args);
  return { dataDir, db, comfy };
}

export function commandUsage(command: Command): string {
  const lines = [`Usage: media-lab ${command.name} ${command.synopsis}`.trimEnd(), '', `  ${command.summary}`];
  if (command.details) lines.push(...command.details.split('\n').map((l) => (l ? `  ${l}` : l)));
  lines.push('', 'Options:');
  const rows = [...command.options, { name: 'help', help: 'print this usage and exit' } as OptionSpec].map((o) => [
    `${o.short ? `-${o.short}, ` : ''}--${o.name}${o.value ? ` ${o.value}` : ''}`,
    `${o.help}${o.env ? ` (${o.env})` : ''}`,
  ]);
  const width = Math.max(...rows.map(([left]) => left.length));
  for (const [left, right] of rows) lines.push(`  ${left.padEnd(width)}  ${right}`);
  return `${lines.join('\n')}\n`;
}

/** Runs a parsed command; usage and option errors exit 2 (with the usage), anything else 1. */
export async function execute(command: Command, args: ParsedArgs, log: Log): Promise<number> {
  try {
    return await command.run(args, log);
  } catch (error) {
    const name = (error as Error).name;
    if (error instanceof UsageError || name === 'PromptQueueOptionsError') {
      log.error(`media-lab ${command.name}: ${(error as Error).message}\n\n${commandUsage(command)}`);
      return EXIT.usage;
    }
    if (error instanceof OptionsError) {
      log.error((error as Error).message);
      return EXIT.usage;
    }
    log.error(`media-lab ${command.name}: ${(error as Error).message}`);
    return EXIT.error;
  }
}

export function untilSignal(): Promise<void> {
  return new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
}
