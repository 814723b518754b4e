// The prompt-queue adapter options the command line can set (prompt-queue, its migrations,
// prune, and the prompt-queue part of serve).
import { resolve } from 'node:path';
import { flag, UsageError, type OptionSpec, type ParsedArgs } from '../args.js';
import { commonOptions } from '../command.js';
import { settingsOf } from '../settings.js';
import { MEDIA_PROMPT_TYPES, isMediaPromptType, type PromptQueueOptionsInput } from '../../prompt-queue/options.js';

export const TABLE_OPTION: OptionSpec = { name: 'table', value: '<name>', env: 'MEDIA_LAB_PROMPTS_TABLE', help: "the host's prompts table (default prompts)" };
export const MEDIA_ROOT_OPTION: OptionSpec = {
  name: 'media-root',
  value: '<dir>',
  env: 'MEDIA_LAB_MEDIA_ROOT',
  help: 'where prompt media goes (default <data-dir>/prompt-media)',
};
export const PRESET_OPTION: OptionSpec = { name: 'preset', value: '<type>=<name>', help: 'which preset serves image | music | voice (repeatable)' };
export const MEDIA_ONLY_OPTION: OptionSpec = {
  name: 'media-only',
  help: "write only artifact_status/artifact_metadata/prompt_artifacts; the host's status columns stay its own",
};

/** Everything promptQueueOptionsFromArgs reads. */
export const PROMPT_QUEUE_OPTIONS: readonly OptionSpec[] = [PRESET_OPTION, MEDIA_ONLY_OPTION, MEDIA_ROOT_OPTION, TABLE_OPTION];

export function mediaRootOf(args: ParsedArgs): string {
  const fromFile = settingsOf(args).file.promptQueue?.mediaRoot;
  return resolve(flag(args, 'media-root', 'MEDIA_LAB_MEDIA_ROOT') ?? fromFile ?? resolve(commonOptions(args).dataDir, 'prompt-media'));
}

/** Whether the config file switched media processing of the prompt queue off (`promptQueue.enabled: false`). */
export function promptQueueEnabled(args: ParsedArgs): boolean {
  return settingsOf(args).file.promptQueue?.enabled !== false;
}

/** The adapter options: the config file's `promptQueue` section, with what the command line sets over it. */
export function promptQueueOptionsFromArgs(args: ParsedArgs): PromptQueueOptionsInput {
  const { enabled: _enabled, ...fromFile } = settingsOf(args).file.promptQueue ?? {};
  const presets: Record<string, string | null> = { ...fromFile.presets };
  for (const entry of args.flags.get('preset') ?? []) {
    const match = /^([a-z]+)=(.+)$/.exec(entry);
    if (!match || !isMediaPromptType(match[1])) {
      throw new UsageError(`--preset expects <type>=<name> with type one of ${MEDIA_PROMPT_TYPES.join(', ')}; got "${entry}"`);
    }
    presets[match[1]] = match[2];
  }
  const table = flag(args, 'table', 'MEDIA_LAB_PROMPTS_TABLE');
  return {
    ...fromFile,
    mediaRoot: mediaRootOf(args),
    presets,
    mediaOnly: args.flags.has('media-only') || (fromFile.mediaOnly ?? false),
    ...(table ? { table } : {}),
  };
}
