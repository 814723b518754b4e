// Presets on disk: one folder per preset holding `workflow.json` (the API-format export) or
// `script.py` (a ComfyUI-SaveAsScript export, read as text and never run here), and optionally
// `manifest.json`. A broken folder is reported (which file, what is wrong) and
// skipped; the others load. `watchPresetsDir` reports folders whose files changed.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { PresetProblem } from '../types.js';
import { buildPresetDefinition, PresetInvalidError, type BuiltPreset } from './definition.js';
import { buildScriptPresetDefinition, SCRIPT_FILE } from './script-definition.js';

export const WORKFLOW_FILE = 'workflow.json';
export const MANIFEST_FILE = 'manifest.json';
export { SCRIPT_FILE };

/** The files whose change reloads a preset folder. */
const PRESET_FILES = new Set([WORKFLOW_FILE, MANIFEST_FILE, SCRIPT_FILE]);

export interface LoadedPreset {
  folder: string;
  built: BuiltPreset;
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new PresetInvalidError([{ field: basename(path), message: `is not valid JSON (${(error as Error).message})` }], path);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

export async function loadPresetFolder(folder: string): Promise<BuiltPreset> {
  const workflowPath = join(folder, WORKFLOW_FILE);
  const manifestPath = join(folder, MANIFEST_FILE);
  const scriptPath = join(folder, SCRIPT_FILE);
  const hasWorkflow = await exists(workflowPath);
  const hasScript = await exists(scriptPath);
  if (hasWorkflow && hasScript) throw new PresetInvalidError([{ field: SCRIPT_FILE, message: `a preset folder holds ${WORKFLOW_FILE} or ${SCRIPT_FILE}, not both` }], folder);
  if (!hasWorkflow && !hasScript) throw new PresetInvalidError([{ field: WORKFLOW_FILE, message: `is missing (or ${SCRIPT_FILE} for a script preset)` }], folder);
  const manifest = (await exists(manifestPath)) ? await readJson(manifestPath) : {};
  if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest)) {
    throw new PresetInvalidError([{ field: MANIFEST_FILE, message: 'must be a JSON object' }], manifestPath);
  }
  const m = manifest as Record<string, unknown>;
  if (hasScript) {
    const text = await readFile(scriptPath, 'utf8');
    try {
      return buildScriptPresetDefinition({ ...m, name: m.name ?? basename(folder), script: { file: SCRIPT_FILE, text } }, folder);
    } catch (error) {
      if (error instanceof PresetInvalidError) {
        const inScript = error.issues.every((i) => i.field === SCRIPT_FILE);
        throw new PresetInvalidError(error.issues, join(folder, inScript ? SCRIPT_FILE : MANIFEST_FILE));
      }
      throw error;
    }
  }
  const workflow = await readJson(workflowPath);
  try {
    return buildPresetDefinition({ ...m, name: m.name ?? basename(folder), workflow }, folder);
  } catch (error) {
    if (error instanceof PresetInvalidError) {
      // Say which file the problem is in.
      const inWorkflow = error.issues.every((i) => i.field === 'workflow' || i.field.startsWith('workflow.'));
      throw new PresetInvalidError(error.issues, join(folder, inWorkflow ? WORKFLOW_FILE : MANIFEST_FILE));
    }
    throw error;
  }
}

export function problemFrom(error: unknown, source: string, name: string | null): PresetProblem {
  const message = error instanceof PresetInvalidError ? error.issues.map((i) => `${i.field}: ${i.message}`).join('; ') : (error as Error).message;
  const where = error instanceof PresetInvalidError && error.source ? error.source : source;
  return { source: where, name, message, at: new Date().toISOString() };
}

/** Every preset folder under `dir` (folders holding a workflow.json or a script.py). */
export async function scanPresetsDir(dir: string): Promise<{ presets: LoadedPreset[]; problems: PresetProblem[] }> {
  const presets: LoadedPreset[] = [];
  const problems: PresetProblem[] = [];
  let entries: string[] = [];
  try {
    entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch (error) {
    problems.push(problemFrom(error, dir, null));
    return { presets, problems };
  }
  for (const entry of entries) {
    const folder = join(dir, entry);
    if (!(await exists(join(folder, WORKFLOW_FILE))) && !(await exists(join(folder, MANIFEST_FILE))) && !(await exists(join(folder, SCRIPT_FILE)))) continue;
    try {
      presets.push({ folder, built: await loadPresetFolder(folder) });
    } catch (error) {
      problems.push(problemFrom(error, folder, entry));
    }
  }
  return { presets, problems };
}

/** Calls `onChange(folder)` (debounced per folder) when a preset's files change. */
export function watchPresetsDir(dir: string, onChange: (folder: string) => void, debounceMs = 150): { ready: Promise<void>; close(): Promise<void> } {
  const timers = new Map<string, NodeJS.Timeout>();
  const watcher: FSWatcher = watch(dir, { ignoreInitial: true, depth: 2 });
  watcher.on('all', (_event, path) => {
    const name = basename(path);
    if (!PRESET_FILES.has(name)) return;
    const folder = dirname(path);
    if (relative(dir, folder).split(sep).length !== 1) return;
    clearTimeout(timers.get(folder));
    timers.set(
      folder,
      setTimeout(() => {
        timers.delete(folder);
        onChange(folder);
      }, debounceMs),
    );
  });
  watcher.on('error', () => undefined);
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    async close() {
      for (const timer of timers.values()) clearTimeout(timer);
      await watcher.close();
    },
  };
}
