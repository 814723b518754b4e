// Script preset runner benchmark: `npx tsx bench/scripts.ts`. Prints figures; never part of `npm test`.
//
// Against the stand-in ComfyUI (test/fixtures/saveasscript) with python3:
// 1. The runner's overhead per run: the same fixture script run bare (spawn, own base folder)
//    versus through the script executor (folder, links, argv, output facts, artifact), p50 of N.
// 2. Output throughput: a script printing 150 000 lines (~17 MB), wall time and this process's
//    peak RSS growth (lines are read and dropped, never buffered whole).
// 3. Stop latency: from the abort to the whole process group gone (a forked child included).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { stopJob } from '../contract/stop.js';
import { loadPresetFolder } from '../bridge/presets/files.js';
import type { PresetVersion } from '../bridge/types.js';
import type { JsonObject } from '../plugin/core/types.js';
import { createScriptRunner } from '../plugin/pipelines/script/index.js';
import { fakeContext } from '../test/support/fake-context.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const comfyui = path.join(root, 'test/fixtures/saveasscript/ComfyUI');
const presets = path.join(root, 'test/fixtures/saveasscript/presets');
const N = Number(process.env.BENCH_RUNS ?? 5);

async function preset(name: string): Promise<PresetVersion> {
  const built = await loadPresetFolder(path.join(presets, name));
  return { id: name, name, version: 1, hash: built.hash, kind: built.definition.manifest.kind, source: 'file', createdAt: '', definition: built.definition };
}

function p50(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function bareRun(): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'media-lab-bench-bare-'));
  mkdirSync(path.join(dir, 'base/output'), { recursive: true });
  symlinkSync(path.join(comfyui, 'custom_nodes'), path.join(dir, 'base/custom_nodes'));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [path.join(presets, 'behave/script.py'), '--comfyui-directory', comfyui, '--', '--base-directory', path.join(dir, 'base')], {
      cwd: dir,
      stdio: 'ignore',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    child.once('exit', (code) => {
      rmSync(dir, { recursive: true, force: true });
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`bare run exited ${code}`));
    });
  });
}

async function main(): Promise<void> {
  const runner = createScriptRunner({ python: 'python3', comfyuiDirectory: comfyui, concurrency: 4, killGraceMs: 500 });
  const check = await runner.start();
  if (!check.available) throw new Error(check.reason);
  const behave = await preset('behave');
  console.log(`python ${check.pythonVersion}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)}, ${N} runs each`);

  const bare: number[] = [];
  const executed: number[] = [];
  for (let i = 0; i < N; i++) {
    bare.push(await bareRun());
    const run = fakeContext<JsonObject>({ params: { mode: 'ok' } });
    const started = performance.now();
    await runner.executor.run(run.ctx, behave);
    executed.push(performance.now() - started);
    await run.cleanup();
  }
  console.log(`1. per run, p50: bare script ${p50(bare).toFixed(0)} ms, through the executor ${p50(executed).toFixed(0)} ms (overhead ${(p50(executed) - p50(bare)).toFixed(0)} ms)`);

  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const spew = fakeContext<JsonObject>({ params: { mode: 'spew', lines: 150_000 } });
  const spewStart = performance.now();
  await runner.executor.run(spew.ctx, behave);
  const spewMs = performance.now() - spewStart;
  clearInterval(sampler);
  await spew.cleanup();
  console.log(`2. 150000 lines (~17 MB) on stdout: ${spewMs.toFixed(0)} ms, peak RSS growth ${((peak - rssBefore) / 1e6).toFixed(1)} MB`);

  const stops: number[] = [];
  const pidFile = path.join(os.tmpdir(), `media-lab-bench-pids-${process.pid}`);
  const forking = createScriptRunner({ python: 'python3', comfyuiDirectory: comfyui, env: { MEDIA_LAB_TEST_PIDFILE: pidFile }, killGraceMs: 500 });
  await forking.start();
  for (let i = 0; i < N; i++) {
    rmSync(pidFile, { force: true });
    const run = fakeContext<JsonObject>({ params: { mode: 'fork', seconds: 60 } });
    const running = forking.executor.run(run.ctx, behave).catch(() => undefined);
    await new Promise<void>((resolve) => {
      const original = run.ctx.progress;
      run.ctx.progress = (u) => {
        original(u);
        if (/^running \(/.test(u.stage ?? '')) resolve();
      };
    });
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    const started = performance.now();
    stopJob(run.controller, 'cancelled');
    await running;
    const alive = pids.filter((pid) => {
      try {
        return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
      } catch {
        return false;
      }
    });
    stops.push(performance.now() - started);
    if (alive.length) console.log(`   left alive: ${alive.join(', ')}`);
    await run.cleanup();
  }
  rmSync(pidFile, { force: true });
  console.log(`3. cancel -> process group gone (script + forked child), p50 ${p50(stops).toFixed(0)} ms, max ${Math.max(...stops).toFixed(0)} ms`);
}

await main();
