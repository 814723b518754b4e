// The argument parser: `--name value`, `--name=value`, `--switch`; a repeatable option collects
// every value. Each command declares its options (OptionSpec), and the parser refuses anything
// else: an unknown option, a missing value, a stray argument are usage errors (exit 2).
export interface OptionSpec {
  /** Without the leading `--`. */
  name: string;
  /** The option takes a value, shown as this placeholder (`<file>`); absent: a switch. */
  value?: string;
  /** Environment variable read when the option is not given. */
  env?: string;
  /** One line for the command's usage. */
  help: string;
  /** A one-letter alias taken as `-x` (`-n 5`, `-f`). */
  short?: string;
}

export interface ParsedArgs {
  command: string | null;
  flags: Map<string, string[]>;
  positionals: string[];
}

/** Bad usage: the message says what is wrong; the command's usage follows it. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `--help` or `-h` anywhere: the dispatcher prints usage instead of running anything. */
export function isHelpFlag(arg: string): boolean {
  return arg === '--help' || arg === '-h';
}

/**
 * Parses `<command> [options]` against the command's declared options. Without `declared`
 * (code that builds its arguments itself) any `--name` is taken, with the next argument as its
 * value unless that is an option too.
 */
export function parseArgs(argv: string[], declared?: readonly OptionSpec[]): ParsedArgs {
  const specs = declared ? new Map(declared.map((o) => [o.name, o])) : null;
  const flags = new Map<string, string[]>();
  const positionals: string[] = [];
  let command: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    const short = /^-([a-zA-Z])$/.exec(arg)?.[1];
    const long = short ? declared?.find((o) => o.short === short) : undefined;
    if (long) arg = `--${long.name}`;
    if (!arg.startsWith('--')) {
      if (command === null) command = arg;
      else if (specs) throw new UsageError(`unexpected argument "${arg}"`);
      else positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const spec = specs?.get(name);
    if (specs && !spec) throw new UsageError(`unknown option --${name}`);
    const takesValue = spec ? spec.value !== undefined : eq > 0 || (i + 1 < argv.length && !argv[i + 1].startsWith('--'));
    let value: string;
    if (!takesValue) {
      if (eq > 0) throw new UsageError(`--${name} takes no value`);
      value = 'true';
    } else if (eq > 0) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) value = argv[++i];
    else throw new UsageError(`--${name} needs a value ${spec?.value ?? ''}`.trimEnd());
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return { command, flags, positionals };
}

export function flag(args: ParsedArgs, name: string, env?: string): string | undefined {
  return args.flags.get(name)?.at(-1) ?? (env ? process.env[env] : undefined);
}
