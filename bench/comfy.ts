// ComfyUI bridge benchmark: `npx tsx bench/comfy.ts`. Prints figures; never part of `npm test`.
//
// Each fake ComfyUI runs in its own process (test/fake-comfy/serve.ts), so the bridge and the
// servers do not share one event loop.
// 1. Overhead of the bridge path for an instant workflow (LoadImage -> ImageInvert -> SaveImage):
//    upload the input, submit, follow over the WebSocket, read history, stream the output, read
//    its facts and record it. p50/p95 over sequential jobs.
// 2. Sustained jobs per second with 8 concurrent jobs, through one backend and a pool of three.
// 3. RSS of this process while a 200 MB output is streamed and recorded (flat: nothing buffered whole).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import knexFactory from 'knex';
import { comfyOptionsSchema } from '../bridge/options.js';
import { BackendPool } from '../bridge/pool/backend-pool.js';
import type { Artifact, ExecutorContext, Job, JsonObject } from '../plugin/core/types.js';
import { migrateLatest } from '../plugin/db/migrate.js';
import { inputArtifact, runningJob } from '../test/support/rows.js';
import { ComfyExecutor } from '../plugin/pipelines/comfy/executor.js';
import { PresetRegistry } from '../plugin/pipelines/comfy/preset-registry.js';
import { resolveComfySubmission } from '../plugin/pipelines/comfy/submission.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const work = mkdtempSync(path.join(os.tmpdir(), 'media-lab-comfy-bench-'));
const children: ChildProcess[] = [];

// ---------------------------------------------------------------- helpers

async function startServer(extra: string[] = []): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test/fake-comfy/serve.ts'), ...extra], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    if (line.startsWith('{')) return (JSON.parse(line) as { url: string }).url;
  }
  throw new Error('fake ComfyUI did not start');
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function imageInput(file: string): Artifact {
  return inputArtifact({
    storageKey: file,
    sha256: createHash('sha256').update(file).digest('hex'),
    bytes: statSync(file).size,
    width: 64,
    height: 48,
    published: false,
    createdBy: 'bench',
  });
}

/** A job context like the job core's: outputs are hashed (streamed) and moved into storage. */
function context(job: Job, inputs: Artifact[], inputFile: string, onOutput?: () => void): ExecutorContext {
  const temp = path.join(work, 'tmp', job.id);
  mkdirSync(temp, { recursive: true });
  return {
    job,
    params: job.params,
    inputs,
    inputPath: () => inputFile,
    signal: new AbortController().signal,
    progress: () => undefined,
    async addOutput(spec) {
      const digest = await sha256(spec.path);
      const target = path.join(work, 'store', `${digest}${path.extname(spec.path)}`);
      await rename(spec.path, target);
      onOutput?.();
      return { ...inputs[0], id: randomUUID(), jobId: job.id, role: 'output', kind: spec.facts.kind, storageKey: target, sha256: digest, bytes: statSync(target).size, mime: spec.facts.mime, metadata: spec.metadata ?? {} };
    },
    tempDir: temp,
    workDir: temp,
    saveCheckpoint: async () => undefined,
    setBackend: async () => undefined,
    laneConcurrency: 8,
    log: () => undefined,
    bindLog: () => undefined,
  };
}

function job(resolved: { preset: { name: string; version: number; hash: string }; params: JsonObject; inputIds: string[] }, kind: Job['workflow']): Job {
  return runningJob({ workflow: kind, preset: resolved.preset, params: resolved.params, inputIds: resolved.inputIds, leaseOwner: 'bench', submittedBy: 'bench' });
}

// ---------------------------------------------------------------- setup

mkdirSync(path.join(work, 'store'), { recursive: true });
const knex = knexFactory({ client: 'better-sqlite3', connection: { filename: path.join(work, 'bench.sqlite') }, useNullAsDefault: true });
await migrateLatest(knex);
const registry = new PresetRegistry(knex);
await registry.publish(
  {
    name: 'bench-instant',
    kind: 'generate',
    workflow: {
      '1': { class_type: 'LoadImage', inputs: { image: 'red.png' } },
      '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
      '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'bench' } },
    },
  },
  'api',
);
await registry.publish(
  { name: 'bench-big', kind: 'music', workflow: { '1': { class_type: 'BenchBigFile', inputs: { megabytes: 200, filename_prefix: 'big' } } }, outputs: ['1'] },
  'api',
);
const inputFile = path.join(root, 'test/fake-comfy/fixtures/red.png');
const input = imageInput(inputFile);

const [one, two, three] = await Promise.all([startServer(['--bench-nodes']), startServer(), startServer()]);

function executorFor(urls: string[]): { executor: ComfyExecutor; pool: BackendPool } {
  const options = comfyOptionsSchema.parse({ backends: urls.map((url, i) => ({ name: `comfy-${i + 1}`, url })), healthIntervalMs: 60_000 });
  const pool = new BackendPool(options);
  pool.start();
  return { executor: new ComfyExecutor({ pool, registry, options }), pool };
}

async function runInstant(executor: ComfyExecutor): Promise<number> {
  const resolved = await resolveComfySubmission(registry, 'generate', { name: 'bench-instant' }, { image: input.id });
  const started = performance.now();
  await executor.run(context(job(resolved, 'generate'), [input], inputFile));
  return performance.now() - started;
}

// ---------------------------------------------------------------- 1. overhead

{
  const { executor, pool } = executorFor([one]);
  for (let i = 0; i < 10; i++) await runInstant(executor); // warm-up: connections, object_info, JIT
  const times: number[] = [];
  for (let i = 0; i < 200; i++) times.push(await runInstant(executor));
  times.sort((a, b) => a - b);
  console.log('1. submit-to-outputs overhead, instant workflow, one backend, sequential (200 jobs)');
  console.log(`   p50 ${percentile(times, 50).toFixed(1)} ms   p95 ${percentile(times, 95).toFixed(1)} ms   mean ${(times.reduce((a, b) => a + b, 0) / times.length).toFixed(1)} ms`);
  console.log('   (includes upload, POST /prompt, WebSocket follow, /history, /view download, facts, hash + move)');
  await pool.stop();
}

// ---------------------------------------------------------------- 2. throughput

async function throughput(urls: string[], jobs: number, concurrency: number): Promise<number> {
  const { executor, pool } = executorFor(urls);
  for (let i = 0; i < 5; i++) await runInstant(executor);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs) {
        next += 1;
        await runInstant(executor);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await pool.stop();
  return jobs / seconds;
}

console.log('\n2. sustained throughput, instant workflow, 8 jobs in flight (400 jobs)');
console.log(`   one backend:      ${(await throughput([one], 400, 8)).toFixed(1)} jobs/s`);
console.log(`   pool of three:    ${(await throughput([one, two, three], 400, 8)).toFixed(1)} jobs/s`);
console.log(`   (machine: ${os.cpus().length} cores; the three servers and the bridge share them)`);

// ---------------------------------------------------------------- 3. memory while downloading 200 MB

{
  const { executor, pool } = executorFor([one]);
  const resolved = await resolveComfySubmission(registry, 'music', { name: 'bench-big' }, {});
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  let bytes = 0;
  const started = performance.now();
  const ctx = context(job(resolved, 'music'), [], inputFile);
  const originalAdd = ctx.addOutput.bind(ctx);
  ctx.addOutput = async (spec) => {
    bytes = statSync(spec.path).size;
    return originalAdd(spec);
  };
  await executor.run(ctx);
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  const mb = (n: number) => (n / 1024 / 1024).toFixed(0);
  console.log('\n3. RSS while a 200 MB output is written by ComfyUI, streamed over /view, probed, hashed and recorded');
  console.log(`   output ${mb(bytes)} MB in ${seconds.toFixed(2)} s   RSS baseline ${mb(baseline)} MB   peak ${mb(peak)} MB   growth ${mb(peak - baseline)} MB`);
  await pool.stop();
}

for (const child of children) child.kill('SIGTERM');
await knex.destroy();
rmSync(work, { recursive: true, force: true });
process.exit(0);
