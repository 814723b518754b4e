// `media-lab prune`: removes artifacts past retention (rows and files) and reports what that frees.
import { resolve } from 'node:path';
import { openDatabase } from '../../db/connect.js';
import { LocalStorage } from '../../artifacts/storage.js';
import { flag, UsageError, type ParsedArgs } from '../args.js';
import { commonOptions, DATABASE_OPTIONS, YES_OPTION, type Command, type Log } from '../command.js';
import { parsePromptQueueOptions } from '../../prompt-queue/options.js';
import { PROMPT_QUEUE_EXIT } from '../../prompt-queue/exit-codes.js';
import { PromptMediaRoot } from '../../prompt-queue/media-root.js';
import { parseDuration, prune, type PruneScope } from '../../prompt-queue/prune.js';
import { describePrune } from '../../prompt-queue/prune-summary.js';
import { settingsOf } from '../settings.js';
import { MEDIA_ROOT_OPTION, mediaRootOf, promptQueueOptionsFromArgs, TABLE_OPTION } from './prompt-queue-args.js';

const SCOPES: readonly PruneScope[] = ['all', 'prompts', 'lab'];

/** The retention and scope asked for; a bad one is a usage error, before anything opens. */
function pruneRequest(args: ParsedArgs): { olderThanMs: number; scope: PruneScope } {
  const olderThan = flag(args, 'older-than');
  const olderThanMs = olderThan ? parseDuration(olderThan) : null;
  if (!olderThanMs) throw new UsageError(`--older-than expects a duration such as 30d, 12h or 2w${olderThan ? `; got "${olderThan}"` : ''}`);
  const scope = (flag(args, 'scope') ?? 'all') as PruneScope;
  if (!SCOPES.includes(scope)) throw new UsageError(`--scope expects all, prompts or lab; got "${scope}"`);
  return { olderThanMs, scope };
}

async function runPrune(args: ParsedArgs, log: Log): Promise<number> {
  const { olderThanMs, scope } = pruneRequest(args);
  const { dataDir, db, file } = settingsOf(args);
  const options = parsePromptQueueOptions(promptQueueOptionsFromArgs(args));
  const storage = new LocalStorage(resolve(flag(args, 'artifact-dir', 'MEDIA_LAB_ARTIFACT_DIR') ?? file.artifactDir ?? resolve(dataDir, 'artifacts')));
  const { knex } = openDatabase(db);
  try {
    const media = new PromptMediaRoot(mediaRootOf(args));
    const report = await prune({ knex, storage, promptQueue: { options, media }, olderThanMs, dryRun: args.flags.has('dry-run'), scope });
    log.info(describePrune(report));
    return PROMPT_QUEUE_EXIT.ok;
  } finally {
    await knex.destroy();
  }
}

export const pruneCommand: Command = {
  name: 'prune',
  summary: 'remove artifacts (rows and files) past retention and report what that frees',
  synopsis: '--older-than <30d|12h|2w> [--dry-run] [--scope all|prompts|lab] [--yes]',
  details: 'Uploaded sources and still-referenced files are never removed.',
  options: [
    { name: 'older-than', value: '<duration>', help: 'remove what was created before this long ago: 30d, 12h, 2w' },
    { name: 'dry-run', help: 'report what would go; remove nothing' },
    { name: 'scope', value: '<all|prompts|lab>', help: 'prompt artifacts, Media Lab artifacts, or both (default all)' },
    YES_OPTION,
    { name: 'artifact-dir', value: '<dir>', env: 'MEDIA_LAB_ARTIFACT_DIR', help: "Media Lab's artifact folder (default <data-dir>/artifacts)" },
    MEDIA_ROOT_OPTION,
    TABLE_OPTION,
    ...DATABASE_OPTIONS,
  ],
  destroys: (args) => {
    if (args.flags.has('dry-run')) return null;
    const { olderThanMs, scope } = pruneRequest(args);
    const days = Math.round((olderThanMs / 86_400_000) * 10) / 10;
    return `Remove ${scope === 'all' ? 'prompt and Media Lab' : scope === 'prompts' ? 'prompt' : 'Media Lab'} artifacts older than ${days} days (rows and files) from ${commonOptions(args).db}? Run with --dry-run to see what would go.`;
  },
  run: runPrune,
};
