// `media-lab prompt-queue`, `media-lab prompt-queue:migrate|rollback`, and the prompt-queue part
// of `media-lab serve`.
import type { Router } from 'express';
import { createMediaLab, type MediaLab } from '../../media-lab.js';
import { openDatabase } from '../../db/connect.js';
import { migrateLatest, migrateRollback } from '../../db/migrate.js';
import { flag, UsageError, type ParsedArgs } from '../args.js';
import { COMFY_OPTION, commonOptions, DATABASE_OPTIONS, LOG_OPTIONS, PRESETS_DIR_OPTION, untilSignal, YES_OPTION, type Command, type Log } from '../command.js';
import { labOptionsOf } from '../settings.js';
import { installRetention } from '../../prompt-queue/retention-sweep.js';
import { logOptionsOf, openCliLogger } from '../log-output.js';
import type { Logger } from '../../core/logger.js';
import { createPromptQueue, promptQueueMigrationSet, type PromptQueue } from '../../prompt-queue/adapter.js';
import { parsePromptQueueOptions, type PromptQueueOptionsInput } from '../../prompt-queue/options.js';
import { PROMPT_QUEUE_EXIT } from '../../prompt-queue/exit-codes.js';
import type { DrainReport } from '../../prompt-queue/poller.js';
import { parseDuration } from '../../prompt-queue/prune.js';
import { PROMPT_QUEUE_OPTIONS, promptQueueEnabled, promptQueueOptionsFromArgs, TABLE_OPTION } from './prompt-queue-args.js';

function positiveInt(args: ParsedArgs, name: string): number | undefined {
  const value = flag(args, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} expects a positive whole number; got "${value}"`);
  return Number(value);
}

function maxWaitOf(args: ParsedArgs): number | undefined {
  const value = flag(args, 'max-wait');
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === null || ms <= 0) throw new UsageError(`--max-wait expects a duration such as 90s, 15m or 2h; got "${value}"`);
  return ms;
}

/** Failed prompts first (they need a person), then a wait that ran out, then a pause with prompts left. */
function exitCodeOf(report: DrainReport): number {
  if (report.failed > 0) return PROMPT_QUEUE_EXIT.promptsFailed;
  if (report.maxWaitReached) return PROMPT_QUEUE_EXIT.maxWaitReached;
  if (Object.keys(report.pausedTypes).length > 0 && report.pendingLeft > 0) return PROMPT_QUEUE_EXIT.comfyUnavailable;
  return PROMPT_QUEUE_EXIT.ok;
}

function summaryOf(report: DrainReport): string {
  const paused = Object.entries(report.pausedTypes).map(([type, why]) => `${type} ${why}`);
  return (
    `media-lab prompt-queue: claimed ${report.claimed}${report.adopted ? `, adopted ${report.adopted}` : ''}, completed ${report.completed}, failed ${report.failed}` +
    `${report.released ? `, released ${report.released}` : ''}, pending left ${report.pendingLeft}` +
    `${report.maxWaitReached ? `, still processing ${report.inFlightLeft} (--max-wait reached; a later run adopts them)` : ''}` +
    `${report.paused ? ' (paused: no ComfyUI backend reachable)' : paused.length ? ` (${paused.join('; ')})` : ''}`
  );
}

/** The lab behind the adapter; scheduled retention only for --watch (a --once run ends long before it). */
async function openLab(args: ParsedArgs, log: Log | Logger, watch: boolean): Promise<MediaLab> {
  const { retention, ...options } = labOptionsOf(args);
  return createMediaLab({ ...options, ...(watch ? { retention } : {}), authenticate: () => null, logger: log });
}

async function runPromptQueue(args: ParsedArgs, log: Log): Promise<number> {
  const once = args.flags.has('once');
  const watch = args.flags.has('watch');
  if (once === watch) throw new UsageError('choose one of --once (process what is pending, then exit) or --watch (keep polling)');
  if (!promptQueueEnabled(args)) {
    log.info('media-lab prompt-queue: media processing is off (promptQueue.enabled is false in the config file); nothing done');
    return PROMPT_QUEUE_EXIT.ok;
  }
  const limit = positiveInt(args, 'limit');
  const maxWaitMs = maxWaitOf(args);
  if (maxWaitMs !== undefined && !once) throw new UsageError('--max-wait bounds a --once run; --watch keeps going until stopped');
  const queueOptions = { ...promptQueueOptionsFromArgs(args), logger: log, ...(watch && limit ? { maxInFlight: limit } : {}) };
  parsePromptQueueOptions(queueOptions); // bad options are a usage error, before anything opens
  if (commonOptions(args).comfy.length === 0) throw new UsageError('no ComfyUI backend: pass --comfy <url,url>, set COMFYUI_URL or list comfy.backends in the config file');
  logOptionsOf(args); // bad log options are a usage error too

  const output = await openCliLogger(args, log);
  queueOptions.logger = output.logger;
  const lab = await openLab(args, output.logger, watch);
  let queue: PromptQueue | null = null;
  try {
    await lab.migrate();
    queue = createPromptQueue(lab, queueOptions);
    await queue.migrate();
    await lab.start();
    if (watch) {
      await queue.start();
      output.logger.info(`media-lab prompt-queue: watching ${queue.options.table} (media in ${queue.media.root}); Ctrl-C stops`);
      await untilSignal();
      return PROMPT_QUEUE_EXIT.ok;
    }
    const report = await queue.drain({ limit, maxWaitMs });
    output.logger.info(summaryOf(report));
    return exitCodeOf(report);
  } finally {
    await queue?.stop();
    await lab.stop();
    await output.close();
  }
}

async function runMigrations(args: ParsedArgs, direction: 'up' | 'down', log: Log): Promise<number> {
  const set = promptQueueMigrationSet(parsePromptQueueOptions(promptQueueOptionsFromArgs(args)));
  const { knex } = openDatabase(commonOptions(args).db);
  try {
    if (direction === 'up') {
      const applied = await migrateLatest(knex, set);
      log.info(applied.length ? `applied: ${applied.join(', ')}` : 'already up to date');
    } else {
      const rolled = await migrateRollback(knex, { all: args.flags.has('all') }, set);
      log.info(rolled.length ? `rolled back: ${rolled.join(', ')}` : 'nothing to roll back');
    }
    return PROMPT_QUEUE_EXIT.ok;
  } finally {
    await knex.destroy();
  }
}

export const promptQueueCommand: Command = {
  name: 'prompt-queue',
  summary: "turn a host's image, music and voice prompts into Media Lab jobs",
  synopsis: '--once | --watch [options]',
  details: [
    '--once processes what is pending, and adopts what a dead run left processing, then exits (cron,',
    'LaunchAgent); --watch keeps polling. Both start polling once the presets are loaded and the',
    'backends checked.',
    'Exit codes: 0 done (or nothing pending), 1 error, 2 bad usage, 3 some prompts failed (see their',
    'error_message), 4 --max-wait reached: prompts still processing keep their state and a later run',
    'adopts them, 75 paused (no ComfyUI backend reachable, or a configuration problem such as a',
    'missing preset): pending prompts left untouched, run again later.',
  ].join('\n'),
  options: [
    { name: 'once', help: 'process what is pending, then exit' },
    { name: 'watch', help: 'keep polling until Ctrl-C' },
    { name: 'limit', value: '<n>', help: '--once: take at most n prompts; --watch: at most n in flight' },
    { name: 'max-wait', value: '<duration>', help: '--once: wait at most this long (90s, 15m, 2h) for the jobs, then exit 4' },
    ...PROMPT_QUEUE_OPTIONS,
    ...DATABASE_OPTIONS,
    COMFY_OPTION,
    PRESETS_DIR_OPTION,
    ...LOG_OPTIONS,
  ],
  run: runPromptQueue,
};

export const promptQueueMigrateCommand: Command = {
  name: 'prompt-queue:migrate',
  summary: 'apply the host-schema migrations (prompt_artifacts, artifact_* columns on the prompts table)',
  synopsis: '[--table <name>] [--db <file|url>]',
  options: [TABLE_OPTION, ...DATABASE_OPTIONS],
  run: (args, log) => runMigrations(args, 'up', log),
};

export const promptQueueRollbackCommand: Command = {
  name: 'prompt-queue:rollback',
  summary: 'roll back the host-schema migrations: drops prompt_artifacts and the artifact_* columns (prompt rows are kept)',
  synopsis: '[--all] [--yes] [--table <name>] [--db <file|url>]',
  options: [{ name: 'all', help: 'roll back every batch, not only the last' }, YES_OPTION, TABLE_OPTION, ...DATABASE_OPTIONS],
  destroys: (args) =>
    `Roll back the prompt-queue migrations on ${commonOptions(args).db}? This drops the prompt_artifacts table and the artifact_* columns with their values.`,
  run: (args, log) => runMigrations(args, 'down', log),
};

/**
 * The prompt-queue part of `media-lab serve`: when the database has the host's prompts table,
 * migrate it, start the poller and mount the prompt routes (at /api/prompts).
 */
export function promptQueueForServe(
  args: ParsedArgs,
  log: Log = console,
  overrides: PromptQueueOptionsInput = {},
  deps: Parameters<typeof createPromptQueue>[2] = {},
) {
  let queue: PromptQueue | null = null;
  return {
    async extraRoutes(lab: MediaLab): Promise<Array<{ path: string; router: Router }>> {
      installRetention(lab); // Media Lab's artifacts; a prompt queue below adds its own
      if (!promptQueueEnabled(args)) {
        log.info('media-lab serve: media processing of the prompt queue is off (promptQueue.enabled is false in the config file)');
        return [];
      }
      const options = { ...promptQueueOptionsFromArgs(args), logger: log, ...overrides };
      const { table, columns } = parsePromptQueueOptions(options);
      if (!(await lab.knex.schema.hasTable(table)) || !(await lab.knex.schema.hasColumn(table, columns.promptType))) {
        log.info(`media-lab serve: no "${table}" table with a ${columns.promptType} column in this database, so the prompt queue is off (--table names another)`);
        return [];
      }
      queue = createPromptQueue(lab, options, deps);
      await queue.migrate();
      await queue.start();
      log.info(`media-lab serve: prompt queue on "${table}" (routes under ${queue.options.mountPath}, media in ${queue.media.root})`);
      return [{ path: queue.options.mountPath, router: queue.router }];
    },
    get queue(): PromptQueue | null {
      return queue;
    },
    async stop(): Promise<void> {
      await queue?.stop();
    },
  };
}
