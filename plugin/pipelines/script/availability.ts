// The start-up check of the `scripts` option: can script presets run here? Never throws: a
// missing Python or ComfyUI folder makes the script presets unavailable, with the reason and
// what to do, in GET /kinds and GET /health.
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { ScriptOptions } from './options.js';

/** The general availability shape (available, reason, fix) plus what the check found. */
export interface ScriptAvailability {
  available: boolean;
  /** Why not (absent when available). */
  reason?: string;
  /** What to do about it. */
  fix?: string;
  python: string;
  pythonVersion?: string;
  comfyuiDirectory?: string;
  /** The folder is not named `ComfyUI`: the runner reaches it through a link of that name. */
  linked?: boolean;
  checkedAt: string;
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}
async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

/** Runs `python -c ...` and answers its version, or why it could not. */
export function probePython(python: string, env: Record<string, string>, timeoutMs: number): Promise<{ version: string } | { error: string }> {
  return new Promise((done) => {
    let out = '';
    let settled = false;
    const finish = (value: { version: string } | { error: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done(value);
    };
    const child = spawn(python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ error: `did not answer within ${timeoutMs} ms` });
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.resume();
    child.once('error', (error: NodeJS.ErrnoException) => finish({ error: error.code === 'ENOENT' ? 'was not found' : error.message }));
    child.once('close', (code) => finish(code === 0 && /^\d+\.\d+/.test(out.trim()) ? { version: out.trim() } : { error: `exited with code ${code}` }));
  });
}

export async function checkScriptSetup(options: ScriptOptions | null, now = () => new Date().toISOString()): Promise<ScriptAvailability> {
  if (!options) {
    return {
      available: false,
      reason: 'script presets are not configured (no "scripts" option)',
      fix: 'Set scripts: { python, comfyuiDirectory } (the Python that has ComfyUI\'s requirements and the ComfyUI folder), then restart.',
      python: 'python3',
      checkedAt: now(),
    };
  }
  const base = { python: options.python, checkedAt: now() };
  if (!options.comfyuiDirectory) {
    return { ...base, available: false, reason: 'scripts.comfyuiDirectory is not set', fix: 'Set scripts.comfyuiDirectory to the ComfyUI folder (the one holding nodes.py), then restart.' };
  }
  const dir = resolve(options.comfyuiDirectory);
  const withDir = { ...base, comfyuiDirectory: dir };
  if (!(await isDir(dir))) {
    return { ...withDir, available: false, reason: `the ComfyUI folder ${dir} does not exist`, fix: 'Point scripts.comfyuiDirectory at the ComfyUI folder (the one holding nodes.py), then restart.' };
  }
  if (!(await isFile(join(dir, 'nodes.py')))) {
    return { ...withDir, available: false, reason: `${dir} is not a ComfyUI folder (it has no nodes.py)`, fix: 'Point scripts.comfyuiDirectory at the ComfyUI folder itself (the one holding nodes.py and comfy/), then restart.' };
  }
  const probe = await probePython(options.python, options.env, options.checkTimeoutMs);
  if ('error' in probe) {
    return {
      ...withDir,
      available: false,
      reason: `Python "${options.python}" ${probe.error}`,
      fix: 'Set scripts.python to the Python of the ComfyUI install (e.g. /srv/ComfyUI/venv/bin/python), then restart.',
    };
  }
  return { ...withDir, available: true, pythonVersion: probe.version, linked: basename(dir) !== 'ComfyUI' };
}
