// Commands contributed by optional parts (the prompt-queue adapter, pruning). Returns null
// when the command is not one of them.
import type { ParsedArgs } from './args.js';
import { runPromptQueueCommand, PROMPT_QUEUE_USAGE } from '../prompt-queue/cli.js';

export { promptQueueForServe } from '../prompt-queue/cli.js';

/** Appended to `media-lab help`. */
export const EXTRA_USAGE = PROMPT_QUEUE_USAGE;

export async function runExtraCommand(args: ParsedArgs): Promise<number | null> {
  return runPromptQueueCommand(args);
}
