// Where the built web-component bundle lives (dist/ui), if it was built.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function uiBundleDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  // From plugin/ (sources) or dist/plugin/ (compiled), the bundle is in <root>/dist/ui.
  const candidates = [resolve(here, '..', 'dist', 'ui'), resolve(here, '..', 'ui'), resolve(here, '..', '..', 'dist', 'ui')];
  return candidates.find((dir) => existsSync(join(dir, 'media-lab.js')));
}
