// The files of a rotated log: `--log-file /var/log/media-lab/lab.log` is written (by pino-roll)
// as lab.1.log, lab.2.log, ... in that folder, the highest number the newest. The same naming
// rules as pino-roll's: the last extension of the name is kept after the number (`.log` when the
// name has none).
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export interface LogFileSet {
  /** The path the user gave, absolute. */
  path: string;
  dir: string;
  /** The name without its extension: files are `<stem>.<n><ext>`. */
  stem: string;
  /** `.log`, or another extension of the given name, or '' (a one-letter extension is dropped, as pino-roll does). */
  ext: string;
}

export function logFileSet(path: string): LogFileSet {
  const absolute = resolve(path);
  const dir = dirname(absolute);
  const name = basename(absolute);
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return { path: absolute, dir, stem: name, ext: '.log' };
  const ext = name.slice(dot + 1);
  return { path: absolute, dir, stem: name.slice(0, dot), ext: ext.length > 1 ? `.${ext}` : '' };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The set's files, oldest first (by number); the given path itself when it exists and no numbered file does. */
export function logFiles(set: LogFileSet): string[] {
  let entries: string[];
  try {
    entries = readdirSync(set.dir);
  } catch {
    return [];
  }
  const pattern = new RegExp(`^${escape(set.stem)}\\.(\\d+)${escape(set.ext)}$`);
  const numbered = entries
    .map((name) => ({ name, n: Number(pattern.exec(name)?.[1] ?? NaN) }))
    .filter((f) => Number.isInteger(f.n))
    .sort((a, b) => a.n - b.n)
    .map((f) => join(set.dir, f.name));
  if (numbered.length) return numbered;
  try {
    return statSync(set.path).isFile() ? [set.path] : [];
  } catch {
    return [];
  }
}

/** The file written now: the newest of the set, or null when there is none yet. */
export function newestLogFile(set: LogFileSet): string | null {
  return logFiles(set).at(-1) ?? null;
}
