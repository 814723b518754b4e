// `media-lab prompt-queue`, `media-lab prune`, `media-lab prompt-queue:migrate|rollback`, and the
// prompt-queue part of `media-lab serve`.
import { resolve } from 'node:path';
import type { Router } from 'express';
import { createMediaLab, type MediaLab } from '../../media-lab.js';
import { openDatabase } from '../../db/connect.js';
import { LocalStorage } from '../../artifacts/storage.js';
import { flag, type ParsedArgs } from '../args.js';
import { createPromptQueue, promptQueueMigrationSet, type PromptQueue } from '../../prompt-queue/adapter.js';
import { migrateLatest, migrateRollback } from '../../db/migrate.js';
import { MEDIA_PROMPT_TYPES, parsePromptQueueOptions, isMediaPromptType, type PromptQueueOptionsInput } from '../../prompt-queue/options.js';
import { PROMPT_QUEUE_EXIT } from '../../prompt-queue/exit-codes.js';
import { PromptMediaRoot } from '../../prompt-queue/media-root.js';
import { parseDuration, prune, type PruneReport, type PruneScope } from '../../prompt-queue/prune.js';
import type { DrainReport } from '../../prompt-queue/poller.js';

export const PROMPT_QUEUE_USAGE = `Prompt queue (a host's prompts table; image, music and voice prompts become Media Lab jobs):
  prompt-queue --once | --watch   process what is pending and exit (cron, LaunchAgent) | keep polling
      --limit <n>                 --once: take at most n prompts; --watch: at most n in flight
      --media-only                write only artifact_status/artifact_metadata/prompt_artifacts (claim by
                                  artifact_status); the host's status, error_message, completed_at stay its own
      --preset <type>=<name>      which preset serves image | music | voice (repeatable)
      --media-root <dir>          where prompt media goes (MEDIA_LAB_MEDIA_ROOT; default <data-dir>/prompt-media)
      --table <name>              the host's prompts table (MEDIA_LAB_PROMPTS_TABLE; default prompts)
    exit codes: 0 done (or nothing pending), 1 error, 2 bad usage, 3 some prompts failed (see their
    error_message), 75 no ComfyUI backend reachable: pending prompts left untouched, run again later
  prompt-queue:migrate            apply the host-schema migrations (prompt_artifacts, artifact_* columns)
  prompt-queue:rollback [--all]   roll them back (prompt rows are kept)
  prune --older-than <30d|12h|2w> [--dry-run] [--scope all|prompts|lab]
                                  remove artifacts (rows and files) past retention and report what that
                                  frees; uploaded sources and still-referenced files are never removed
`;

type Log = Pick<Console, 'info' | 'warn' | 'error'>;

class UsageError extends Error {}

function common(args: ParsedArgs) {
  const dataDir = resolve(flag(args, 'data-dir', 'MEDIA_LAB_DATA_DIR') ?? process.env.DATA_DIR ?? './data');
  const db = flag(args, 'db', 'MEDIA_LAB_DB') ?? resolve(dataDir, 'media-lab.sqlite');
  const comfy = (flag(args, 'comfy', 'COMFYUI_URL') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const mediaRoot = resolve(flag(args, 'media-root', 'MEDIA_LAB_MEDIA_ROOT') ?? resolve(dataDir, 'prompt-media'));
  return { dataDir, db, comfy, mediaRoot };
}

/** The adapter options the command line can set. */
export function promptQueueOptionsFromArgs(args: ParsedArgs): PromptQueueOptionsInput {
  const presets: Record<string, string> = {};
  for (const entry of args.flags.get('preset') ?? []) {
    const match = /^([a-z]+)=(.+)$/.exec(entry);
    if (!match || !isMediaPromptType(match[1])) {
      throw new UsageError(`--preset expects <type>=<name> with type one of ${MEDIA_PROMPT_TYPES.join(', ')}; got "${entry}"`);
    }
    presets[match[1]] = match[2];
  }
  const table = flag(args, 'table', 'MEDIA_LAB_PROMPTS_TABLE');
  return {
    mediaRoot: common(args).mediaRoot,
    presets,
    mediaOnly: args.flags.has('media-only'),
    ...(table ? { table } : {}),
  };
}

function positiveInt(args: ParsedArgs, name: string): number | undefined {
  const value = flag(args, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} expects a positive whole number; got "${value}"`);
  return Number(value);
}

function untilSignal(): Promise<void> {
  return new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
}

function exitCodeOf(report: DrainReport): number {
  if (report.paused && report.pendingLeft > 0) return PROMPT_QUEUE_EXIT.comfyUnavailable;
  if (report.failed > 0) return PROMPT_QUEUE_EXIT.promptsFailed;
  return PROMPT_QUEUE_EXIT.ok;
}

async function openLab(args: ParsedArgs, log: Log): Promise<MediaLab> {
  const { dataDir, db, comfy } = common(args);
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
  if (common(args).comfy.length === 0) throw new UsageError('no ComfyUI backend: pass --comfy <url,url> or set COMFYUI_URL');

  const lab = await openLab(args, log);
  let queue: PromptQueue | null = null;
  try {
    await lab.migrate();
    queue = createPromptQueue(lab, queueOptions);
    await queue.migrate();
    await lab.start();
    if (watch) {
      await queue.start();
      log.info(`media-lab prompt-queue: watching ${queue.options.table} (media in ${queue.media.root}); Ctrl-C stops`);
      await untilSignal();
      return PROMPT_QUEUE_EXIT.ok;
    }
    const report = await queue.drain({ limit });
    log.info(
      `media-lab prompt-queue: claimed ${report.claimed}, completed ${report.completed}, failed ${report.failed}` +
        `${report.released ? `, released ${report.released}` : ''}, pending left ${report.pendingLeft}${report.paused ? ' (paused: no ComfyUI backend reachable)' : ''}`,
    );
    return exitCodeOf(report);
  } finally {
    await queue?.stop();
    await lab.stop();
  }
}

async function runMigrations(args: ParsedArgs, direction: 'up' | 'down', log: Log): Promise<number> {
  const set = promptQueueMigrationSet(parsePromptQueueOptions(promptQueueOptionsFromArgs(args)));
  const { knex } = openDatabase(common(args).db);
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

function megabytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} kB`;
}

export function describePrune(report: PruneReport): string {
  const p = report.promptArtifacts;
  const l = report.labArtifacts;
  const verb = report.dryRun ? 'would remove' : 'removed';
  return [
    `prune${report.dryRun ? ' (dry run: nothing removed)' : ''}: artifacts created before ${report.cutoff}`,
    `  prompt artifacts: ${p.skipped ? `skipped (${p.skipped})` : `${verb} ${p.rows} rows of ${p.prompts} prompts, ${p.files} files, ${megabytes(p.bytes)}; kept ${p.keptReferenced} files still referenced`}`,
    `  Media Lab artifacts: ${l.skipped ? `skipped (${l.skipped})` : `${verb} ${l.rows} rows, ${l.files} files, ${megabytes(l.bytes)}; kept ${l.keptReferenced} still referenced and ${l.keptSources} uploaded sources`}`,
    `  ${report.dryRun ? 'would free' : 'freed'} ${megabytes(report.bytes)}`,
  ].join('\n');
}

async function runPrune(args: ParsedArgs, log: Log): Promise<number> {
  const olderThan = flag(args, 'older-than');
  const olderThanMs = olderThan ? parseDuration(olderThan) : null;
  if (!olderThanMs) throw new UsageError(`--older-than expects a duration such as 30d, 12h or 2w${olderThan ? `; got "${olderThan}"` : ''}`);
  const scope = (flag(args, 'scope') ?? 'all') as PruneScope;
  if (!['all', 'prompts', 'lab'].includes(scope)) throw new UsageError(`--scope expects all, prompts or lab; got "${scope}"`);
  const { dataDir, db, mediaRoot } = common(args);
  const options = parsePromptQueueOptions(promptQueueOptionsFromArgs(args));
  const storage = new LocalStorage(resolve(flag(args, 'artifact-dir', 'MEDIA_LAB_ARTIFACT_DIR') ?? resolve(dataDir, 'artifacts')));
  const { knex } = openDatabase(db);
  try {
    const report = await prune({ knex, storage, promptQueue: { options, media: new PromptMediaRoot(mediaRoot) }, olderThanMs, dryRun: args.flags.has('dry-run'), scope });
    log.info(describePrune(report));
    return PROMPT_QUEUE_EXIT.ok;
  } finally {
    await knex.destroy();
  }
}

/** Handles the prompt-queue commands; null for any other command. */
export async function runPromptQueueCommand(args: ParsedArgs, log: Log = console): Promise<number | null> {
  const commands = ['prompt-queue', 'prompt-queue:migrate', 'prompt-queue:rollback', 'prune'];
  if (!args.command || !commands.includes(args.command)) return null;
  if (args.flags.has('help')) {
    log.info(PROMPT_QUEUE_USAGE);
    return PROMPT_QUEUE_EXIT.ok;
  }
  try {
    switch (args.command) {
      case 'prompt-queue':
        return await runPromptQueue(args, log);
      case 'prompt-queue:migrate':
        return await runMigrations(args, 'up', log);
      case 'prompt-queue:rollback':
        return await runMigrations(args, 'down', log);
      default:
        return await runPrune(args, log);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as Error).name === 'PromptQueueOptionsError') {
      log.error(`media-lab ${args.command}: ${(error as Error).message}\n\n${PROMPT_QUEUE_USAGE}`);
      return PROMPT_QUEUE_EXIT.usage;
    }
    log.error(`media-lab ${args.command}: ${(error as Error).message}`);
    return PROMPT_QUEUE_EXIT.error;
  }
}

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
