// Paths and small file helpers shared by tests and benches.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The fake ComfyUI server's media fixtures (PNG, WAV, FLAC). */
export const FIXTURES = fileURLToPath(new URL('../fake-comfy/fixtures/', import.meta.url));

/** A fresh folder under the OS temp folder. */
export function tempDir(prefix = 'media-lab-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** Files under a directory, recursively (relative paths). */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1));
}
