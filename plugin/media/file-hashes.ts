// sha256 of model files, cached by size and mtime: a model is hashed once, and again only after
// someone replaced the file (staleness checks stat it on every read, they never re-read it).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** What changes when a file is replaced or rewritten. */
export async function fileSignature(file: string): Promise<string> {
  const facts = await stat(file);
  return `${facts.size}:${facts.mtimeMs}`;
}

export class FileHashes {
  private readonly known = new Map<string, { signature: string; sha256: string; bytes: number }>();

  /** The file's sha256 and size (`hash` for files whose identity is not their bytes, e.g. a tfjs model's weights). */
  async of(file: string, hash: (file: string) => Promise<string> = sha256OfFile): Promise<{ sha256: string; bytes: number }> {
    const facts = await stat(file);
    const signature = `${facts.size}:${facts.mtimeMs}`;
    const known = this.known.get(file);
    if (known?.signature === signature) return known;
    const entry = { signature, sha256: await hash(file), bytes: facts.size };
    this.known.set(file, entry);
    return entry;
  }
}
