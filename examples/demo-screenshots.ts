// The demo host's "wiki screenshots": a small folder of PNGs made with sharp on first start
// (nothing binary in the repository), offered to the reference pickers as a media source.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { folderSource, type MediaSource } from '../plugin/index.js';

/** name -> [background, accent] colours of a 160x120 "screenshot". */
const SHOTS: Record<string, [string, string]> = {
  'tavern-interior.png': ['#6b3e26', '#f2c14e'],
  'castle-gate.png': ['#4a4e69', '#c9ada7'],
  'forest-path.png': ['#2d6a4f', '#95d5b2'],
  'harbour-at-dusk.png': ['#1d3557', '#e76f51'],
  'heroes/knight-portrait.png': ['#9d0208', '#ffba08'],
  'heroes/mage-portrait.png': ['#3a0ca3', '#4cc9f0'],
  'heroes/ranger-portrait.png': ['#386641', '#f2e8cf'],
};

export async function ensureDemoScreenshots(dir: string): Promise<void> {
  for (const [name, [background, accent]] of Object.entries(SHOTS)) {
    const path = join(dir, name);
    if (existsSync(path)) continue;
    mkdirSync(join(path, '..'), { recursive: true });
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="120">
      <rect width="160" height="120" fill="${background}"/>
      <rect x="0" y="0" width="160" height="14" fill="#00000055"/>
      <circle cx="80" cy="68" r="30" fill="${accent}"/>
      <rect x="20" y="100" width="120" height="8" rx="4" fill="${accent}" opacity="0.6"/>
    </svg>`;
    await sharp(Buffer.from(svg)).png().toFile(path);
  }
}

export async function demoScreenshotsSource(dataDir: string): Promise<MediaSource> {
  const dir = join(dataDir, 'screenshots');
  await ensureDemoScreenshots(dir);
  return folderSource({ name: 'screenshots', label: 'Wiki screenshots', dir, pageSize: 4, kinds: ['image'] });
}
