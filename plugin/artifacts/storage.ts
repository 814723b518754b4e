// Content-addressed file storage on the local disk. A file is written to a temp path, hashed,
// then renamed into objects/<aa>/<bb>/<sha256><ext>, so a reader never sees half a file and
// the same bytes are stored once. An object being removed is first moved into removing/; what a
// crash leaves there, or in tmp/, is found again by the janitor (janitor.ts).
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';

export interface StoredObject {
  storageKey: string;
  sha256: string;
  bytes: number;
}

const EXT_BY_MIME: Record<string, string> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/webp': '.webp',
  'image/avif': '.avif',
  'image/tiff': '.tiff',
  'image/gif': '.gif',
  'video/mp4': '.mp4',
  'video/quicktime': '.mov',
  'video/webm': '.webm',
  'video/x-matroska': '.mkv',
  'audio/wav': '.wav',
  'audio/mpeg': '.mp3',
  'audio/flac': '.flac',
  'audio/ogg': '.ogg',
  'audio/mp4': '.m4a',
};

export function extensionFor(mime: string, fallbackPath?: string): string {
  return EXT_BY_MIME[mime] ?? (fallbackPath ? extname(fallbackPath).toLowerCase() : '') ?? '';
}

export async function sha256OfFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

export class LocalStorage {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }

  async init(): Promise<void> {
    await Promise.all(['objects', 'tmp', 'work', 'thumbs', 'removing'].map((d) => mkdir(join(this.root, d), { recursive: true })));
  }

  /** Absolute path of a stored object; refuses keys that would escape the root. */
  pathOf(storageKey: string): string {
    const full = resolve(this.root, storageKey);
    if (!full.startsWith(this.root + sep)) throw new Error(`storage key escapes the storage root: ${storageKey}`);
    return full;
  }

  /** A fresh temp path inside the storage root (same filesystem, so rename is atomic). */
  tempPath(suffix = ''): string {
    return join(this.root, 'tmp', `${Date.now()}-${randomBytes(6).toString('hex')}${suffix}`);
  }

  async makeTempDir(label: string): Promise<string> {
    const dir = join(this.root, 'tmp', `${label}-${randomBytes(6).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  workDirOf(jobId: string): string {
    return join(this.root, 'work', jobId);
  }

  thumbPath(sha256: string, size: number): string {
    return join(this.root, 'thumbs', sha256.slice(0, 2), `${sha256}-${size}.webp`);
  }

  /**
   * Puts a finished file into content-addressed storage and runs `record`, which must commit the
   * row that references the object, while the source is still held; the source is consumed
   * either way. Identical bytes share one object, so a concurrent removeUnreferenced() that
   * counted no rows just before ours was written may take the file away: it is put back from
   * the source once the row exists. (A removal that counts after the row sees it and backs off.)
   */
  async adopt<T>(path: string, mime: string, known: { sha256: string; bytes: number } | undefined, record: (stored: StoredObject) => Promise<T>): Promise<T> {
    try {
      const { sha256, bytes } = known ?? (await sha256OfFile(path));
      const storageKey = `objects/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}${extensionFor(mime, path)}`;
      const target = this.pathOf(storageKey);
      await mkdir(dirname(target), { recursive: true });
      await placeCopy(path, target, this.tempPath('.part'));
      const result = await record({ storageKey, sha256, bytes });
      if (!(await exists(target))) await placeCopy(path, target, this.tempPath('.part'));
      return result;
    } finally {
      await unlink(path).catch(() => undefined);
    }
  }

  /**
   * Removes an object once no row refers to it, without losing it to a concurrent adopt() of
   * the same bytes: the file is moved aside first, the rows are counted again, and it goes back
   * if one appeared in between. Returns whether the file was removed.
   */
  async removeUnreferenced(storageKey: string, countReferences: () => Promise<number>): Promise<boolean> {
    if ((await countReferences()) > 0) return false;
    const target = this.pathOf(storageKey);
    // Named after its key, so that a removal cut short by a crash can be finished or undone.
    const aside = join(this.root, 'removing', `${encodeURIComponent(storageKey)}~${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(dirname(aside), { recursive: true });
      await rename(target, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    if ((await countReferences().catch(() => 1)) > 0) {
      await rename(aside, target);
      return false;
    }
    await unlink(aside);
    return true;
  }

  /** Objects moved aside by a removal at least `olderThanMs` ago: removals a crash interrupted. */
  async interruptedRemovals(olderThanMs: number, now = Date.now()): Promise<Array<{ storageKey: string; path: string }>> {
    const folder = join(this.root, 'removing');
    const found: Array<{ storageKey: string; path: string }> = [];
    for (const name of await readdir(folder).catch(() => [])) {
      const path = join(folder, name);
      const storageKey = safeDecode(name.slice(0, name.lastIndexOf('~')));
      // Renaming sets ctime: it says when the file was moved aside.
      const info = await stat(path).catch(() => null);
      if (!info?.isFile() || now - info.ctimeMs < olderThanMs || !storageKey.startsWith('objects/')) continue;
      found.push({ storageKey, path });
    }
    return found;
  }

  /**
   * Finishes a removal a crash interrupted: the file goes back when a row still refers to its
   * key and the object is missing, and is deleted otherwise. Returns what happened.
   */
  async settleRemoval(entry: { storageKey: string; path: string }, referenced: boolean): Promise<'restored' | 'removed'> {
    const target = this.pathOf(entry.storageKey);
    if (referenced && !(await exists(target))) {
      await mkdir(dirname(target), { recursive: true });
      await rename(entry.path, target);
      return 'restored';
    }
    await rm(entry.path, { force: true });
    return 'removed';
  }

  /**
   * Removes what a crash left in tmp/ (half-received uploads, job temp folders): entries in which
   * nothing was modified for `olderThanMs`, unless `inUse` claims them. Returns how many went.
   */
  async removeStaleTemp(olderThanMs: number, now = Date.now(), inUse: (name: string) => Promise<boolean> = async () => false): Promise<number> {
    const folder = join(this.root, 'tmp');
    let removed = 0;
    for (const name of await readdir(folder).catch(() => [])) {
      const path = join(folder, name);
      const newest = await newestModification(path);
      if (newest === null || now - newest < olderThanMs || (await inUse(name))) continue;
      await rm(path, { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  /**
   * Removes the work folders (work/<job id>) of jobs that no longer need them: nothing in the
   * folder modified for `olderThanMs`, and `inUse` (asked last, just before removing) says no.
   */
  async removeStaleWork(olderThanMs: number, now = Date.now(), inUse: (jobId: string) => Promise<boolean> = async () => true): Promise<number> {
    const folder = join(this.root, 'work');
    let removed = 0;
    for (const jobId of await readdir(folder).catch(() => [])) {
      const path = join(folder, jobId);
      const newest = await newestModification(path);
      if (newest === null || now - newest < olderThanMs || (await inUse(jobId))) continue;
      await rm(path, { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  /**
   * Storage keys of the objects placed before `placedBefore` (ms): linking or renaming a file
   * into objects/ sets its ctime, so it says when the object was put there (or later).
   */
  async objectsPlacedBefore(placedBefore: number): Promise<string[]> {
    const keys: string[] = [];
    const objects = join(this.root, 'objects');
    for (const entry of await readdir(objects, { recursive: true, withFileTypes: true }).catch(() => [])) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      const info = await stat(path).catch(() => null);
      if (!info || info.ctimeMs >= placedBefore) continue;
      keys.push(relative(this.root, path).split(sep).join('/'));
    }
    return keys;
  }

  /** Writes a stream to a temp file while hashing it; the caller adopts or removes it. */
  async writeTemp(stream: Readable, options: { maxBytes?: number; suffix?: string } = {}): Promise<{ path: string; sha256: string; bytes: number }> {
    const path = this.tempPath(options.suffix);
    const hash = createHash('sha256');
    let bytes = 0;
    const limit = options.maxBytes ?? Number.POSITIVE_INFINITY;
    try {
      await pipeline(
        stream,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            bytes += chunk.length;
            if (bytes > limit) throw new FileTooLargeError(limit);
            hash.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(path),
      );
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
    return { path, sha256: hash.digest('hex'), bytes };
  }

  async removeDir(path: string): Promise<void> {
    await rm(path, { recursive: true, force: true });
  }
}

export class FileTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`file is larger than the ${limit}-byte limit`);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes `to` hold the bytes of `from`, leaving `from` in place: a hard link where possible, else
 * a copy written at `staging` (in tmp/, on the same filesystem, where the janitor finds what a
 * crash leaves) and renamed into place. An existing `to` already holds the same bytes (the name
 * is their hash) and is kept.
 */
async function placeCopy(from: string, to: string, staging: string): Promise<void> {
  try {
    await link(from, to);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP') throw error;
  }
  // Another filesystem (a temp dir elsewhere), or one without hard links.
  try {
    await mkdir(dirname(staging), { recursive: true });
    await pipeline(createReadStream(from), createWriteStream(staging));
    await rename(staging, to);
  } finally {
    await rm(staging, { force: true });
  }
}

function safeDecode(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return '';
  }
}

/** The latest mtime of a file, or of a folder and everything in it; null when it is gone. */
async function newestModification(path: string): Promise<number | null> {
  const info = await stat(path).catch(() => null);
  if (!info) return null;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const name of await readdir(path).catch(() => [])) {
    newest = Math.max(newest, (await newestModification(join(path, name))) ?? 0);
  }
  return newest;
}
