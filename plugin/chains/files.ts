// Where the shipped chain presets live: the repository's chains/ folder (from sources: ../../;
// from dist/plugin/chains: ../../../).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function defaultChainsDir(): string {
  for (const relative of ['../../chains/', '../../../chains/']) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  return fileURLToPath(new URL('../../chains/', import.meta.url));
}
