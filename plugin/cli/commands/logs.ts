// `media-lab logs`: the last lines of the log file that `--log-file` writes (the newest file of
// the rotated set, and the files before it when it holds fewer lines), pretty-printed when
// stdout is a terminal; with -f it follows the file, and the next one when the log rotates,
// until Ctrl-C. It only reads.
import { closeSync, openSync, readSync, statSync, watch, type FSWatcher } from 'node:fs';
import { prettyFactory } from 'pino-pretty';
import { flag, UsageError } from '../args.js';
import { EXIT, untilSignal, type Command } from '../command.js';
import { logFiles, logFileSet, newestLogFile, type LogFileSet } from '../log-files.js';

const CHUNK = 64 * 1024;

/** The last `count` lines of a file's first `end` bytes (a trailing partial line counts as a line). */
function lastLines(file: string, count: number, end = statSync(file).size): string[] {
  const fd = openSync(file, 'r');
  try {
    let position = end;
    let text = '';
    while (position > 0) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, position);
      text = buffer.toString('utf8') + text;
      if (text.split('\n').length > count + 1) break;
    }
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (position > 0) lines.shift(); // cut mid-line
    return lines.slice(-count);
  } finally {
    closeSync(fd);
  }
}

/** The last lines of the set; the newest file is read up to `newestEnd` (where following starts). */
function tailOfSet(set: LogFileSet, count: number, newestEnd: number): string[] {
  const lines: string[] = [];
  for (const [i, file] of logFiles(set).reverse().entries()) {
    lines.unshift(...lastLines(file, count - lines.length, i === 0 ? newestEnd : undefined));
    if (lines.length >= count) break;
  }
  return lines;
}

/** Follows the set from the end of `file` (or from its first file): each complete line goes to `emit`. */
function follow(set: LogFileSet, start: { file: string | null; offset: number }, emit: (line: string) => void): { stop(): void } {
  let file = start.file;
  let offset = start.offset;
  let partial = '';
  let busy = false;
  let again = false;

  const readOn = () => {
    if (!file) return;
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      return; // removed by rotation: the newer file takes over below
    }
    if (size < offset) offset = 0; // truncated
    if (size === offset) return;
    const fd = openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(size - offset);
      const read = readSync(fd, buffer, 0, buffer.length, offset);
      offset += read;
      const text = partial + buffer.subarray(0, read).toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) emit(line);
    } finally {
      closeSync(fd);
    }
  };

  const check = () => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      do {
        again = false;
        readOn();
        const newest = newestLogFile(set);
        if (newest && newest !== file) {
          if (partial) emit(partial);
          partial = '';
          file = newest;
          offset = 0;
          again = true;
        }
      } while (again);
    } finally {
      busy = false;
    }
  };

  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(set.dir, () => check());
  } catch {
    watcher = null; // the folder does not exist yet: the timer below finds it
  }
  // fs.watch may miss events (network file systems); a slow timer makes sure nothing is missed.
  const timer = setInterval(check, 500);
  check();
  return {
    stop() {
      watcher?.close();
      clearInterval(timer);
    },
  };
}

export const logsCommand: Command = {
  name: 'logs',
  summary: 'print the last lines of the log file (--log-file of serve, worker, prompt-queue); -f follows it',
  synopsis: '[--file <path>] [-n <lines>] [-f]',
  details: 'Reads the newest file of the rotated set (<path without extension>.<n>.log). Pretty-printed on a terminal,\nJSON lines otherwise. -f keeps printing new lines, also after the log rotates, until Ctrl-C.',
  options: [
    { name: 'file', value: '<path>', env: 'MEDIA_LAB_LOG_FILE', help: 'the --log-file path the server writes' },
    { name: 'lines', short: 'n', value: '<n>', help: 'how many lines (default 20)' },
    { name: 'follow', short: 'f', help: 'keep printing lines as they are written, until Ctrl-C' },
  ],
  async run(args, log) {
    const path = flag(args, 'file', 'MEDIA_LAB_LOG_FILE');
    if (!path) throw new UsageError('no log file: pass --file <path> (the --log-file of serve, worker or prompt-queue) or set MEDIA_LAB_LOG_FILE');
    const linesText = flag(args, 'lines') ?? '20';
    if (!/^\d+$/.test(linesText)) throw new UsageError(`-n expects a whole number; got "${linesText}"`);
    const count = Number(linesText);
    const set = logFileSet(path);
    const followIt = args.flags.has('follow');
    const newest = newestLogFile(set);
    if (!newest && !followIt) {
      log.error(`media-lab logs: no log file at ${set.path} (nor ${set.stem}.<n>${set.ext} in ${set.dir})`);
      return EXIT.error;
    }
    const pretty = process.stdout.isTTY ? prettyFactory({ colorize: true, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', ignore: 'pid,hostname,name' }) : null;
    const print = (line: string) => {
      if (!line) return;
      if (!pretty) {
        process.stdout.write(`${line}\n`);
        return;
      }
      let shown: string;
      try {
        shown = pretty(line);
      } catch {
        shown = `${line}\n`;
      }
      process.stdout.write(shown.endsWith('\n') ? shown : `${shown}\n`);
    };
    const end = newest ? statSync(newest).size : 0;
    if (count > 0) for (const line of tailOfSet(set, count, end)) print(line);
    if (!followIt) return EXIT.ok;
    const follower = follow(set, { file: newest, offset: end }, print);
    await untilSignal();
    follower.stop();
    return EXIT.ok;
  },
};
