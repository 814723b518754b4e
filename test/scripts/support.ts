// Shared by the script preset tests: the stand-in ComfyUI folder and fixture presets
// (test/fixtures/saveasscript), preset versions built from them, and process checks.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPresetFolder } from '../../bridge/presets/files.js';
import type { PresetVersion } from '../../bridge/types.js';
import { REPO_ROOT } from '../support/files.js';

export const SCRIPT_FIXTURES = join(REPO_ROOT, 'test/fixtures/saveasscript');
export const STAND_IN_COMFYUI = join(SCRIPT_FIXTURES, 'ComfyUI');
export const SCRIPT_PRESETS = join(SCRIPT_FIXTURES, 'presets');
/** The exported scripts of the real extension (read in place, never copied), when ../shared is there. */
export const SHARED_SCRIPTS = join(REPO_ROOT, '../shared/comfyui/saveasscript');

export async function fixturePreset(name: string, version = 1): Promise<PresetVersion> {
  const built = await loadPresetFolder(join(SCRIPT_PRESETS, name));
  return {
    id: `preset-${name}-${version}`,
    name: built.definition.manifest.name,
    version,
    hash: built.hash,
    kind: built.definition.manifest.kind,
    source: 'file',
    createdAt: new Date().toISOString(),
    definition: built.definition,
  };
}

/** Alive and not a zombie (a reaped-late child of a dead parent counts as gone). */
export function processAlive(pid: number): boolean {
  const status = `/proc/${pid}/status`;
  if (!existsSync(status)) return false;
  try {
    return !/^State:\s+Z/m.test(readFileSync(status, 'utf8'));
  } catch {
    return false;
  }
}

/** What the stand-in ComfyUI folder holds that git does not, or lost (a run must leave nothing there, and take nothing). */
export function strayFilesInComfyUI(): string[] {
  const stray: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name === '__pycache__' || entry.name === 'user' || entry.name === 'temp') stray.push(name);
        else walk(path, name);
      } else if ((rel === 'output' || rel === 'input' || rel.startsWith('output/')) && entry.name !== '.gitkeep') stray.push(name);
    }
  };
  walk(STAND_IN_COMFYUI, '');
  // The runs link custom_nodes/ into their base folders: removing a run folder must not follow the link.
  if (!existsSync(join(STAND_IN_COMFYUI, 'custom_nodes/stand_in_custom_node.py'))) stray.push('custom_nodes/stand_in_custom_node.py is gone');
  return stray;
}
