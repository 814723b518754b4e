// The files a script run left in its own output folder, by type (image, audio, video). Each
// file's facts come from its bytes (sharp, ffprobe), never from its name alone.
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { MediaFacts, MediaKind } from '../../core/types.js';
import { inspectMedia } from '../../media/inspect.js';
import { MediaLabError } from '../../core/errors.js';

const KIND_BY_EXTENSION: Record<string, MediaKind> = {
  '.png': 'image',
  '.jpg': 'image',
  '.jpeg': 'image',
  '.webp': 'image',
  '.gif': 'image',
  '.avif': 'image',
  '.tif': 'image',
  '.tiff': 'image',
  '.flac': 'audio',
  '.wav': 'audio',
  '.mp3': 'audio',
  '.ogg': 'audio',
  '.opus': 'audio',
  '.m4a': 'audio',
  '.mp4': 'video',
  '.webm': 'video',
  '.mov': 'video',
  '.mkv': 'video',
};

export interface FoundOutput {
  path: string;
  /** Relative to the output folder (`sub/pq_00001_.png`). */
  name: string;
  kind: MediaKind;
}

async function walk(dir: string, out: string[] = []): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, out);
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** Media files under `dir` (recursively, in name order); anything else is listed as skipped. */
export async function findOutputs(dir: string): Promise<{ outputs: FoundOutput[]; skipped: string[] }> {
  const outputs: FoundOutput[] = [];
  const skipped: string[] = [];
  for (const path of await walk(dir)) {
    const name = relative(dir, path);
    const dot = name.lastIndexOf('.');
    const kind = dot >= 0 ? KIND_BY_EXTENSION[name.slice(dot).toLowerCase()] : undefined;
    if (kind) outputs.push({ path, name, kind });
    else skipped.push(name);
  }
  return { outputs, skipped };
}

/** The facts of an output file; SCRIPT_FAILED when it is not readable media. */
export async function outputFacts(output: FoundOutput): Promise<MediaFacts> {
  try {
    return await inspectMedia(output.path, { maxImagePixels: Number.MAX_SAFE_INTEGER });
  } catch (error) {
    throw new MediaLabError('SCRIPT_FAILED', `The script wrote ${output.name}, which is not readable ${output.kind}: ${(error as Error).message}`, { cause: error });
  }
}
