// ComfyUI's folder_paths.get_save_image_path: the prefix may hold a subfolder; the counter is one
// more than the highest `<name>_<NNNNN>_` already in that folder, whatever the extension.
import { mkdirSync, readdirSync } from 'node:fs';
import { basename, dirname, join, normalize, relative, resolve, sep } from 'node:path';
import { NodeException } from './types.js';

export interface SavePath {
  folder: string;
  filename: string;
  counter: number;
  subfolder: string;
}

export function saveImagePath(prefix: string, outputDir: string): SavePath {
  const clean = normalize(prefix);
  const subfolder = dirname(clean) === '.' ? '' : dirname(clean);
  const filename = basename(clean);
  const folder = resolve(outputDir, subfolder);
  const rel = relative(resolve(outputDir), folder);
  if (rel.startsWith('..') || rel.startsWith(sep)) {
    throw new NodeException('Exception', 'Saving image outside the output folder is not allowed.');
  }
  let counter = 1;
  try {
    for (const entry of readdirSync(folder)) {
      if (!entry.startsWith(`${filename}_`)) continue;
      const digits = Number.parseInt(entry.slice(filename.length + 1).split('_')[0], 10);
      if (Number.isFinite(digits) && digits + 1 > counter) counter = digits + 1;
    }
  } catch {
    mkdirSync(folder, { recursive: true });
  }
  return { folder, filename, counter, subfolder: subfolder.split(sep).join('/') };
}

export function numbered(filename: string, counter: number, ext: string): string {
  return `${filename}_${String(counter).padStart(5, '0')}_.${ext}`;
}

export function randomTempPrefix(): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += letters[Math.floor(Math.random() * letters.length)];
  return `ComfyUI_temp_${suffix}`;
}

export function fileIn(folder: string, name: string): string {
  return join(folder, name);
}
