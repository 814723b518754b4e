// Content-addressed file storage on the local disk. A file is written to a temp path, hashed,
// then renamed into objects/<aa>/<bb>/<sha256><ext>, so a reader never sees half a file and
// the same bytes are stored once.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
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
    await Promise.all(['objects', 'tmp', 'work', 'thumbs'].map((d) => mkdir(join(this.root, d), { recursive: true })));
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
      await placeCopy(path, target);
      const result = await record({ storageKey, sha256, bytes });
      if (!(await exists(target))) await placeCopy(path, target);
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
    const aside = `${target}.${randomBytes(6).toString('hex')}.removing`;
    try {
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
 * a copy under a temp name renamed into place. An existing `to` already holds the same bytes
 * (the name is their hash) and is kept.
 */
async function placeCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP') throw error;
  }
  // Another filesystem (a temp dir elsewhere), or one without hard links.
  const staging = `${to}.${randomBytes(4).toString('hex')}.part`;
  try {
    await pipeline(createReadStream(from), createWriteStream(staging));
    await rename(staging, to);
  } finally {
    await rm(staging, { force: true });
  }
}
