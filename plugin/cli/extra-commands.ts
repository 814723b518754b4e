// Commands contributed by optional parts (the prompt-queue adapter, pruning). Returns null
// when the command is not one of them.
import type { ParsedArgs } from './args.js';

export async function runExtraCommand(args: ParsedArgs): Promise<number | null> {
  void args;
  return null;
}
