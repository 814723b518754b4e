// `media-lab prompt-queue`, `media-lab prompt-queue:migrate|rollback`, and the prompt-queue part
// of `media-lab serve`.
import type { Router } from 'express';
import { createMediaLab, type MediaLab } from '../../media-lab.js';
import { openDatabase } from '../../db/connect.js';
import { migrateLatest, migrateRollback } from '../../db/migrate.js';
import { flag, UsageError, type ParsedArgs } from '../args.js';
import { COMFY_OPTION, commonOptions, DATABASE_OPTIONS, LOG_OPTIONS, untilSignal, YES_OPTION, type Command, type Log } from '../command.js';
import { logOptionsOf, openCliLogger } from '../log-output.js';
import type { Logger } from '../../core/logger.js';
import { createPromptQueue, promptQueueMigrationSet, type PromptQueue } from '../../prompt-queue/adapter.js';
import { parsePromptQueueOptions, type PromptQueueOptionsInput } from '../../prompt-queue/options.js';
import { PROMPT_QUEUE_EXIT } from '../../prompt-queue/exit-codes.js';
import type { DrainReport } from '../../prompt-queue/poller.js';
import { PROMPT_QUEUE_OPTIONS, promptQueueOptionsFromArgs, TABLE_OPTION } from './prompt-queue-args.js';

function positiveInt(args: ParsedArgs, name: string): number | undefined {
  const value = flag(args, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} expects a positive whole number; got "${value}"`);
  return Number(value);
}

function exitCodeOf(report: DrainReport): number {
  if (report.paused && report.pendingLeft > 0) return PROMPT_QUEUE_EXIT.comfyUnavailable;
  if (report.failed > 0) return PROMPT_QUEUE_EXIT.promptsFailed;
  return PROMPT_QUEUE_EXIT.ok;
}

async function openLab(args: ParsedArgs, log: Log | Logger): Promise<MediaLab> {
  const { dataDir, db, comfy } = commonOptions(args);
  return createMediaLab({
    dataDir,
    database: db,
    authenticate: () => null,
    comfy: { backends: comfy.map((url, i) => ({ name: `comfy-${i + 1}`, url })) },
    logger: log,
  });
}

async function runPromptQueue(args: ParsedArgs, log: Log): Promise<number> {
  const once = args.flags.has('once');
  const watch = args.flags.has('watch');
  if (once === watch) throw new UsageError('choose one of --once (process what is pending, then exit) or --watch (keep polling)');
  const limit = positiveInt(args, 'limit');
  const queueOptions = { ...promptQueueOptionsFromArgs(args), logger: log, ...(watch && limit ? { maxInFlight: limit } : {}) };
  parsePromptQueueOptions(queueOptions); // bad options are a usage error, before anything opens
  if (commonOptions(args).comfy.length === 0) throw new UsageError('no ComfyUI backend: pass --comfy <url,url> or set COMFYUI_URL');
  logOptionsOf(args); // bad log options are a usage error too

  const output = await openCliLogger(args, log);
  queueOptions.logger = output.logger;
  const lab = await openLab(args, output.logger);
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
    const report = await queue.drain({ limit });
    output.logger.info(
      `media-lab prompt-queue: claimed ${report.claimed}, completed ${report.completed}, failed ${report.failed}` +
        `${report.released ? `, released ${report.released}` : ''}, pending left ${report.pendingLeft}${report.paused ? ' (paused: no ComfyUI backend reachable)' : ''}`,
    );
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
    '--once processes what is pending and exits (cron, LaunchAgent); --watch keeps polling.',
    'Exit codes: 0 done (or nothing pending), 1 error, 2 bad usage, 3 some prompts failed (see their',
    'error_message), 75 no ComfyUI backend reachable: pending prompts left untouched, run again later.',
  ].join('\n'),
  options: [
    { name: 'once', help: 'process what is pending, then exit' },
    { name: 'watch', help: 'keep polling until Ctrl-C' },
    { name: 'limit', value: '<n>', help: '--once: take at most n prompts; --watch: at most n in flight' },
    ...PROMPT_QUEUE_OPTIONS,
    ...DATABASE_OPTIONS,
    COMFY_OPTION,
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
