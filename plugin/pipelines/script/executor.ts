// The script executor: runs a script preset (a ComfyUI-SaveAsScript export) in its own Python
// process, in the job's own folder, and turns what it wrote into the job's artifacts.
//
// Each run gets `<attempt temp>/script-run/`: the script as stored with the preset version,
// and a ComfyUI base directory (`-- --base-directory base`) holding input/, output/, temp/, user/
// and links to the ComfyUI folder's custom_nodes/ and models/. Every output (SaveImage with its
// counter, SaveAudio, which ignores --output) lands in base/output, so two jobs never share a
// folder and nothing is written into ComfyUI's own output, input or user folders. The folder
// is removed when the run ends, whatever the outcome.
import { mkdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { resolveParams } from '../../../bridge/presets/params.js';
import type { PresetVersion } from '../../../bridge/types.js';
import { abortedError } from '../../../contract/stop.js';
import { MediaLabError } from '../../core/errors.js';
import type { Artifact, ExecutorContext, ExecutorResult, JsonObject } from '../../core/types.js';
import type { ScriptAvailability } from './availability.js';
import { buildScriptArgs } from './args.js';
import { findOutputs, outputFacts } from './collect.js';
import type { ScriptOptions } from './options.js';
import { runScriptProcess, type ScriptExit } from './process.js';
import { ScriptProgress } from './progress.js';
import type { ScriptSlots } from './slots.js';

/** Output lines kept for the job (its error message on failure, its final event on success). */
export const SCRIPT_TAIL_LINES = 20;
const TAIL_LINE_CHARS = 500;
/** Output lines written to the job's log, at most; the tail is kept whatever the volume. */
export const SCRIPT_LOG_LINES = 400;

export interface ScriptExecutorDeps {
  options: ScriptOptions | null;
  availability(): ScriptAvailability;
  slots: ScriptSlots;
}

/** The last lines of a stream of lines, bounded in count and length. */
export class OutputTail {
  private readonly lines: string[] = [];
  total = 0;
  constructor(private readonly keep = SCRIPT_TAIL_LINES) {}
  push(line: string): void {
    this.total++;
    this.lines.push(line.length > TAIL_LINE_CHARS ? `${line.slice(0, TAIL_LINE_CHARS - 1)}…` : line);
    if (this.lines.length > this.keep) this.lines.shift();
  }
  get(): string[] {
    return [...this.lines];
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

interface RunFolder {
  root: string;
  scriptPath: string;
  base: string;
  comfyuiSearchDir: string;
}

/** The run's own folder (see the header). */
async function prepareFolder(tempDir: string, preset: PresetVersion, comfyuiDirectory: string): Promise<RunFolder> {
  const script = preset.definition.script!;
  const root = join(tempDir, 'script-run');
  const base = join(root, 'base');
  await mkdir(root, { recursive: true });
  for (const sub of ['input', 'output', 'temp', 'user']) await mkdir(join(base, sub), { recursive: true });
  // ComfyUI loads custom nodes from <base>/custom_nodes (it must exist) and models from <base>/models.
  for (const sub of ['custom_nodes', 'models']) {
    const target = join(comfyuiDirectory, sub);
    if (await exists(target)) await symlink(target, join(base, sub), 'dir');
    else await mkdir(join(base, sub));
  }
  const scriptPath = join(root, basename(script.file));
  await writeFile(scriptPath, script.text, 'utf8');
  // The script finds ComfyUI only as a folder entry named `ComfyUI` (searched upwards from -c).
  let comfyuiSearchDir = comfyuiDirectory;
  if (basename(comfyuiDirectory) !== 'ComfyUI') {
    await symlink(comfyuiDirectory, join(root, 'ComfyUI'), 'dir');
    const extra = join(comfyuiDirectory, 'extra_model_paths.yaml');
    if (await exists(extra)) await symlink(extra, join(root, 'extra_model_paths.yaml'));
    comfyuiSearchDir = root;
  }
  return { root, scriptPath, base, comfyuiSearchDir };
}

function describeExit(exit: ScriptExit): string {
  if (exit.signal) return `was killed by ${exit.signal}`;
  const usage = exit.code === 2 ? ' (a usage error: the script does not take an option it was given, or ComfyUI rejected a flag in scripts.comfyArgs)' : '';
  return `exited with code ${exit.code}${usage}`;
}

export class ScriptExecutor {
  constructor(private readonly deps: ScriptExecutorDeps) {}

  async run(ctx: ExecutorContext, preset: PresetVersion): Promise<ExecutorResult> {
    const script = preset.definition.script;
    if (!script) throw new MediaLabError('PRESET_INVALID', `preset "${preset.name}" v${preset.version} is not a script preset`);
    const availability = this.deps.availability();
    const options = this.deps.options;
    if (!availability.available || !options || !availability.comfyuiDirectory) {
      throw new MediaLabError('EXECUTOR_UNAVAILABLE', `Script presets are unavailable on this server: ${availability.reason ?? 'not checked yet'}. ${availability.fix ?? ''}`.trim());
    }
    const { manifest } = preset.definition;
    const { params, issues } = resolveParams(manifest.parameters, ctx.params as Record<string, unknown>);
    if (issues.length) throw new MediaLabError('VALIDATION_FAILED', issues.map((i) => `${i.field}: ${i.message}`).join('; '));
    const byId = new Map<string, Artifact>(ctx.inputs.map((a) => [a.id, a]));
    const inputPath = (id: string) => {
      const artifact = byId.get(id);
      if (!artifact) throw new MediaLabError('INPUT_MISSING', `Input artifact ${id} is not among the job's inputs`);
      return resolve(ctx.inputPath(artifact));
    };
    const label = `${preset.name} v${preset.version}`;

    if (this.deps.slots.busy >= this.deps.slots.limit) ctx.progress({ fraction: 0.01, stage: `waiting for a script slot (${this.deps.slots.limit} at once)` });
    const release = await this.deps.slots.acquire(ctx.signal);
    let folder: RunFolder | null = null;
    try {
      folder = await prepareFolder(ctx.tempDir, preset, availability.comfyuiDirectory);
      const args = buildScriptArgs({
        scriptPath: folder.scriptPath,
        script,
        parameters: manifest.parameters,
        params,
        inputPath,
        comfyuiSearchDir: folder.comfyuiSearchDir,
        baseDirectory: folder.base,
        comfyArgs: options.comfyArgs,
      });
      const tmp = join(folder.base, 'temp');
      const env: Record<string, string> = {
        ...(process.env as Record<string, string>),
        PYTHONDONTWRITEBYTECODE: '1', // no __pycache__ written into the ComfyUI folder
        PYTHONUNBUFFERED: '1', // lines arrive as printed (progress, and the tail of a crash)
        TMPDIR: tmp,
        TEMP: tmp,
        TMP: tmp,
        ...options.env,
      };
      const progress = new ScriptProgress();
      const tail = new OutputTail();
      let logged = 0;
      ctx.progress({ fraction: 0.05, stage: 'starting' });
      ctx.log(`script ${script.file} of preset ${label} starting`, { python: options.python, args, cwd: folder.root });
      const exit = await runScriptProcess({
        python: options.python,
        args,
        cwd: folder.root,
        env,
        signal: ctx.signal,
        killGraceMs: options.killGraceMs,
        onSpawn: (pid) => ctx.bindLog({ scriptPid: pid }),
        onLine: (stream, line) => {
          if (line.trim() === '') return;
          tail.push(line);
          if (logged < SCRIPT_LOG_LINES) ctx.log(line, { stream });
          else if (logged === SCRIPT_LOG_LINES) ctx.log(`further script output is not logged (the last ${SCRIPT_TAIL_LINES} lines are kept with the job)`, undefined, 'warn');
          logged++;
          const update = progress.line(line) ?? progress.running();
          if (update) ctx.progress(update);
        },
      });
      const facts: JsonObject = {
        name: preset.name,
        version: preset.version,
        hash: preset.hash,
        file: script.file,
        sha256: script.sha256,
        durationMs: exit.durationMs,
        exitCode: exit.code,
        ...(exit.signal ? { signal: exit.signal } : {}),
        outputLines: tail.total,
      };
      ctx.log(`script ${script.file} ${exit.stopped ? 'stopped' : describeExit(exit)} after ${(exit.durationMs / 1000).toFixed(1)} s`, { exitCode: exit.code, signal: exit.signal, outputLines: tail.total });
      if (ctx.signal.aborted) throw abortedError(ctx.signal, () => new MediaLabError('CANCELLED', 'Cancelled'));
      if (exit.spawnError) {
        const missing = exit.spawnError.code === 'ENOENT' || exit.spawnError.code === 'EACCES';
        throw new MediaLabError(missing ? 'EXECUTOR_UNAVAILABLE' : 'EXECUTOR_FAILED', `Could not start Python "${options.python}": ${exit.spawnError.message}`, {
          transient: !missing,
          cause: exit.spawnError,
        });
      }
      const lines = tail.get();
      const shown = lines.length ? `\n--- last ${lines.length} output line${lines.length === 1 ? '' : 's'} ---\n${lines.join('\n')}` : ' (it printed nothing)';
      if (exit.code !== 0) {
        const last = lines[lines.length - 1];
        throw new MediaLabError('SCRIPT_FAILED', `Script ${script.file} of preset ${label} ${describeExit(exit)}${last ? `: ${last}` : ''}${shown}`, {
          // Killed by a signal nobody here sent (the OOM killer): worth another attempt.
          transient: exit.signal !== null,
        });
      }

      ctx.progress({ fraction: 0.9, stage: 'collecting' });
      const { outputs, skipped } = await findOutputs(join(folder.base, 'output'));
      if (skipped.length) ctx.log(`files that are not image, audio or video were left out: ${skipped.join(', ')}`, undefined, 'warn');
      if (outputs.length === 0) {
        throw new MediaLabError('SCRIPT_FAILED', `Script ${script.file} of preset ${label} exited with code 0 but wrote no image, audio or video file${shown}`);
      }
      const parentIds = [...new Set(ctx.inputs.map((a) => a.id))];
      const seeds: JsonObject = {};
      for (const spec of manifest.parameters) if (spec.type === 'seed' && params[spec.name] !== null) seeds[spec.name] = params[spec.name];
      const recorded: Artifact[] = [];
      for (const [index, output] of outputs.entries()) {
        ctx.signal.throwIfAborted();
        ctx.progress({ fraction: 0.9 + (0.1 * index) / outputs.length, stage: 'collecting' });
        const media = await outputFacts(output);
        recorded.push(
          await ctx.addOutput({
            path: output.path,
            role: 'output',
            facts: media,
            parentIds,
            metadata: {
              seed: Object.values(seeds)[0] ?? null,
              preset: { id: preset.id, name: preset.name, version: preset.version, hash: preset.hash },
              params,
              script: { ...facts, output: output.name },
            },
          }),
        );
      }
      ctx.progress({ fraction: 1, stage: 'done' });
      return { summary: { preset: { id: preset.id, name: preset.name, version: preset.version, hash: preset.hash }, outputs: recorded.length, script: { ...facts, outputTail: lines } } };
    } finally {
      release();
      if (folder) await rm(folder.root, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}
