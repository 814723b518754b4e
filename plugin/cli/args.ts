// A small flag parser: `--name value`, `--name=value`, `--flag`, repeatable flags collected.
export interface ParsedArgs {
  command: string | null;
  flags: Map<string, string[]>;
  positionals: string[];
}

/** Flags that never take a value (so `--once --limit 3` parses as expected). */
const BOOLEAN_FLAGS = new Set(['all', 'once', 'watch', 'media-only', 'dry-run', 'no-worker', 'help']);

export function parseArgs(argv: string[]): ParsedArgs {
  const flags = new Map<string, string[]>();
  const positionals: string[] = [];
  let command: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      let value: string;
      if (eq > 0) value = arg.slice(eq + 1);
      else if (!BOOLEAN_FLAGS.has(name) && i + 1 < argv.length && !argv[i + 1].startsWith('--')) value = argv[++i];
      else value = 'true';
      flags.set(name, [...(flags.get(name) ?? []), value]);
    } else if (command === null) command = arg;
    else positionals.push(arg);
  }
  return { command, flags, positionals };
}

export function flag(args: ParsedArgs, name: string, env?: string): string | undefined {
  return args.flags.get(name)?.at(-1) ?? (env ? process.env[env] : undefined);
}
