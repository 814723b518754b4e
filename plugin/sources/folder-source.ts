// A MediaSource over a folder of media files (the demo host's screenshots): items are the files
// under the folder (sub-folders included), newest name order, matched by a case-insensitive
// substring of their path; the id is the path relative to the folder with `/` separators. An id
// that is absolute, climbs out (`..`), or resolves (through a link) outside the folder is refused.
import { createReadStream } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { MediaKind } from '../../contract/media.js';
import { SourceItemError, type MediaSource, type SourceItem, type SourceListing } from './types.js';

const KINDS: Record<string, { kind: MediaKind; mime: string }> = {
  '.png': { kind: 'image', mime: 'image/png' },
  '.jpg': { kind: 'image', mime: 'image/jpeg' },
  '.jpeg': { kind: 'image', mime: 'image/jpeg' },
  '.webp': { kind: 'image', mime: 'image/webp' },
  '.gif': { kind: 'image', mime: 'image/gif' },
  '.mp4': { kind: 'video', mime: 'video/mp4' },
  '.webm': { kind: 'video', mime: 'video/webm' },
  '.wav': { kind: 'audio', mime: 'audio/wav' },
  '.mp3': { kind: 'audio', mime: 'audio/mpeg' },
  '.flac': { kind: 'audio', mime: 'audio/flac' },
};

export interface FolderSourceOptions {
  name: string;
  label: string;
  dir: string;
  /** Items per page (default 24). */
  pageSize?: number;
  /** Only these media kinds (default: all). */
  kinds?: MediaKind[];
}

async function walk(root: string, dir: string, out: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) await walk(root, full, out);
    else if (entry.isFile()) out.push(relative(root, full).split(sep).join('/'));
  }
}

export function folderSource(options: FolderSourceOptions): MediaSource {
  const root = resolve(options.dir);
  const pageSize = options.pageSize ?? 24;
  const wanted = (path: string) => {
    const known = KINDS[extname(path).toLowerCase()];
    return known && (!options.kinds || options.kinds.includes(known.kind)) ? known : null;
  };

  /** The file an id names, or a SourceItemError. */
  async function locate(id: string): Promise<string> {
    const parts = id.split('/');
    if (!id || isAbsolute(id) || id.includes('\\') || id.includes('\0') || parts.some((p) => p === '..' || p === '.' || p === '')) {
      throw new SourceItemError('invalid', `"${id}" is not an item id of ${options.label}: ids are paths inside its folder`);
    }
    const path = resolve(root, ...parts);
    if (relative(root, path).startsWith('..')) throw new SourceItemError('invalid', `"${id}" points outside ${options.label}`);
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      throw new SourceItemError('missing', `${options.label} has no item "${id}" (the file is not there any more)`);
    }
    const realRoot = await realpath(root);
    if (relative(realRoot, real).startsWith('..') || isAbsolute(relative(realRoot, real))) throw new SourceItemError('invalid', `"${id}" points outside ${options.label}`);
    if (!wanted(real)) throw new SourceItemError('invalid', `"${id}" is not a media file ${options.label} offers`);
    return real;
  }

  return {
    name: options.name,
    label: options.label,
    async list(query: string, page: number): Promise<SourceListing> {
      const all: string[] = [];
      await walk(root, root, all).catch(() => undefined);
      const needle = query.trim().toLowerCase();
      const matches = all.filter((p) => wanted(p) && (!needle || p.toLowerCase().includes(needle))).sort();
      const slice = matches.slice((page - 1) * pageSize, page * pageSize);
      const items: SourceItem[] = await Promise.all(
        slice.map(async (id) => {
          const facts = wanted(id) as { kind: MediaKind; mime: string };
          const info = await stat(join(root, ...id.split('/'))).catch(() => null);
          return { id, label: id.split('/').at(-1) as string, kind: facts.kind, mime: facts.mime, ...(info ? { bytes: info.size, modifiedAt: info.mtime.toISOString() } : {}) };
        }),
      );
      return { items, hasMore: page * pageSize < matches.length, total: matches.length };
    },
    async open(id: string) {
      const path = await locate(id);
      return { filename: id.split('/').at(-1) as string, stream: createReadStream(path) };
    },
  };
}
