// `media-lab <command>`: migrations, standalone workers, a standalone server for hosts that are
// not Node, and the prompt-queue adapter. Exit codes: 0 ok, 1 failure, 2 bad usage.
//
// The dispatcher does, for every command and before anything opens: --help (print its usage,
// exit 0), parsing against its declared options (an unknown one: usage, exit 2), and for a
// command that destroys data, confirmation (a terminal asks; otherwise --yes is required).
import { isHelpFlag, parseArgs, UsageError, type ParsedArgs } from './args.js';
import { commandUsage, EXIT, execute, type Command, type Log } from './command.js';
import { confirm, type Terminal } from './confirm.js';
import { COMMANDS, findCommand } from './commands/index.js';
import { OptionsError } from '../options.js';

export function mainUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: media-lab <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    '`media-lab <command> --help` prints a command\'s options. Options that name an environment',
    'variable (--db: MEDIA_LAB_DB, --comfy: COMFYUI_URL, ...) read it when not given.',
    '',
  ].join('\n');
}

/** Asks before a destructive run: null to go ahead, else the exit code (the reason is logged). */
async function refusal(command: Command, args: ParsedArgs, log: Log, terminal: Terminal): Promise<number | null> {
  const question = command.destroys?.(args) ?? null;
  if (!question || args.flags.has('yes')) return null;
  const answer = await confirm(question, terminal);
  if (answer === 'yes') return null;
  if (answer === 'no') {
    log.error(`media-lab ${command.name}: not confirmed; nothing was changed.`);
    return EXIT.error;
  }
  log.error(`media-lab ${command.name}: ${question}\nstdin is not a terminal, so nobody can confirm: pass --yes to do it anyway.`);
  return EXIT.usage;
}

export async function main(argv: string[], log: Log = console, terminal?: Terminal): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    log.error(mainUsage());
    return EXIT.usage;
  }
  if (name === 'help' || isHelpFlag(name)) {
    const command = rest[0] ? findCommand(rest[0]) : undefined;
    log.info(command ? commandUsage(command) : mainUsage());
    return EXIT.ok;
  }
  const command = findCommand(name);
  if (!command) {
    log.error(`media-lab: unknown command "${name}"\n\n${mainUsage()}`);
    return EXIT.usage;
  }
  if (rest.some(isHelpFlag)) {
    log.info(commandUsage(command));
    return EXIT.ok;
  }
  let args: ParsedArgs;
  try {
    args = parseArgs(argv, command.options);
    const refused = await refusal(command, args, log, terminal ?? { input: process.stdin, output: process.stderr });
    if (refused !== null) return refused;
  } catch (error) {
    if (error instanceof OptionsError) {
      log.error(error.message); // a bad config file, met while asking (it names the file and each key)
      return EXIT.usage;
    }
    if (!(error instanceof UsageError)) throw error;
    log.error(`media-lab ${command.name}: ${error.message}\n\n${commandUsage(command)}`);
    return EXIT.usage;
  }
  return execute(command, args, log);
}
