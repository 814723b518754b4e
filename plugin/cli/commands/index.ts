// Every `media-lab` command, in the order `media-lab --help` lists them.
import type { ParsedArgs } from '../args.js';
import { execute, type Command, type Log } from '../command.js';
import { migrateCommand, migrateRollbackCommand } from './migrate.js';
import { workerCommand } from './worker.js';
import { serveCommand } from './serve.js';
import { promptQueueCommand, promptQueueMigrateCommand, promptQueueRollbackCommand } from './prompt-queue.js';
import { pruneCommand } from './prune.js';
import { statusCommand } from './status.js';
import { logsCommand } from './logs.js';

export const COMMANDS: readonly Command[] = [
  migrateCommand,
  migrateRollbackCommand,
  workerCommand,
  serveCommand,
  statusCommand,
  promptQueueCommand,
  promptQueueMigrateCommand,
  promptQueueRollbackCommand,
  pruneCommand,
  logsCommand,
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
}

const PROMPT_QUEUE_COMMANDS: readonly Command[] = [promptQueueCommand, promptQueueMigrateCommand, promptQueueRollbackCommand, pruneCommand];

/**
 * Runs a prompt-queue command (prompt-queue, prompt-queue:migrate|rollback, prune) in this
 * process, as code that built its own arguments: no --help, no confirmation. Null for any other command.
 */
export async function runPromptQueueCommand(args: ParsedArgs, log: Log = console): Promise<number | null> {
  const command = PROMPT_QUEUE_COMMANDS.find((c) => c.name === args.command);
  return command ? execute(command, args, log) : null;
}
