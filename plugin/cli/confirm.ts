// Asking before a destructive command: on a terminal, a y/N question; elsewhere (a script, a
// pipe, cron) there is nobody to ask, so the command needs --yes.
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

export interface Terminal {
  input: Readable & { isTTY?: boolean };
  output: Writable;
}

export type Confirmation = 'yes' | 'no' | 'not-a-terminal';

/** Asks `question [y/N]` on the terminal; only y or yes (any case) is a yes, and no answer is a no. */
export async function askYesNo(question: string, terminal: Terminal): Promise<boolean> {
  terminal.output.write(`${question} [y/N] `);
  const rl = createInterface({ input: terminal.input, terminal: false });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}

export async function confirm(question: string, terminal: Terminal = { input: process.stdin, output: process.stderr }): Promise<Confirmation> {
  if (!terminal.input.isTTY) return 'not-a-terminal';
  return (await askYesNo(question, terminal)) ? 'yes' : 'no';
}
