// Content-addressed file storage on the local disk. A file is written to a temp path, hashed,
// then renamed into objects/<aa>/<bb>/<sha256><ext>, so a reader never sees half a file and
// the same bytes are stored once.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, unlink } from 'node:fs/promises';
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

  /** Moves a finished file into content-addressed storage (the source path is consumed). */
  async adoptFile(path: string, mime: string, known?: { sha256: string; bytes: number }): Promise<StoredObject> {
    const { sha256, bytes } = known ?? (await sha256OfFile(path));
    const storageKey = `objects/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}${extensionFor(mime, path)}`;
    const target = this.pathOf(storageKey);
    await mkdir(dirname(target), { recursive: true });
    if (await exists(target)) {
      await unlink(path).catch(() => undefined);
    } else {
      await moveFile(path, target);
    }
    return { storageKey, sha256, bytes };
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

  async remove(storageKey: string): Promise<void> {
    await rm(this.pathOf(storageKey), { force: true });
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

async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    // Different filesystem (a temp dir elsewhere): copy through a temp name next to the target.
    const staging = `${to}.${randomBytes(4).toString('hex')}.part`;
    await pipeline(createReadStream(from), createWriteStream(staging));
    await rename(staging, to);
    await unlink(from);
  }
}

