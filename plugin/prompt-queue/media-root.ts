// The prompt-media folder the host reads (file_path and preview_path are relative to it).
// Files are content-addressed, written to a temp name and renamed, so a host never reads half
// a file and writing the same output twice (a retried finalisation) changes nothing.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';

export type PreviewKind = 'thumbnail' | 'waveform';
const PREVIEW_SUFFIX: Record<PreviewKind, string> = { thumbnail: '-thumb.webp', waveform: '-waveform.png' };

export class PromptMediaRoot {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Absolute path of a relative media path; refuses paths that would leave the root. */
  pathOf(relative: string): string {
    const full = resolve(this.root, relative);
    if (!full.startsWith(this.root + sep)) throw new Error(`media path escapes the media root: ${relative}`);
    return full;
  }

  objectPath(sha256: string, extension: string): string {
    return `objects/${sha256.slice(0, 2)}/${sha256}${extension}`;
  }

  previewPath(sha256: string, kind: PreviewKind): string {
    return `previews/${sha256.slice(0, 2)}/${sha256}${PREVIEW_SUFFIX[kind]}`;
  }

  async exists(relative: string): Promise<boolean> {
    return stat(this.pathOf(relative)).then(
      () => true,
      () => false,
    );
  }

  async sizeOf(relative: string): Promise<number> {
    return stat(this.pathOf(relative)).then(
      (s) => s.size,
      () => 0,
    );
  }

  /** Copies a file in under `relative` (kept if it is already there). */
  async copyIn(source: string, relative: string): Promise<void> {
    await this.writeAtomically(relative, (temp) => copyFile(source, temp));
  }

  /** Runs `write(tempPath)` and renames the result into place, unless the file exists already. */
  async writeAtomically<T>(relative: string, write: (tempPath: string) => Promise<T>): Promise<T | null> {
    const target = this.pathOf(relative);
    if (await this.exists(relative)) return null;
    await mkdir(dirname(target), { recursive: true });
    const temp = join(dirname(target), `.${randomBytes(6).toString('hex')}.part${target.slice(target.lastIndexOf('.'))}`);
    try {
      const result = await write(temp);
      await rename(temp, target);
      return result;
    } finally {
      await rm(temp, { force: true });
    }
  }

  async remove(relative: string): Promise<void> {
    await rm(this.pathOf(relative), { force: true });
  }
}
