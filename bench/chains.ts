// Chain benchmark: a three-step chain of fast steps (enhance, Lanczos, x2 three times) against
// the same three jobs submitted by hand one after another (submit, wait, submit), and a
// resubmitted chain whose steps are all reusable.
//   npx tsx bench/chains.ts [--runs 20]      (PostgreSQL too when MEDIA_LAB_TEST_PG is set)
// Figures: chain overhead per step (the chain's wall time minus its steps' run time, over 3),
// p50 and p95, target < 20 ms; the chain's time against by hand; the all-reused chain's time,
// target < 50 ms.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createMediaLab, type MediaLab } from '../plugin/index.js';
import type { Job } from '../plugin/core/types.js';
import { PG_URL, postgresDatabase, sqliteDatabase, type TestDatabase } from '../test/support/db.js';

const ADMIN = { id: 'bench', roles: ['admin'] };
const quiet = { info() {}, warn() {}, error: console.error };
const RUNS = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 20;

const step = (id: string, from: string) => ({ id, workflow: 'enhance', params: { qualityPreset: 'fast', scale: 2 }, inputs: { image: { from } } });
const THREE = {
  inputs: [{ name: 'photo', type: 'image' }],
  steps: [step('one', 'inputs.photo'), step('two', 'one.output'), step('three', 'two.output')],
};

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function makeLab(db: TestDatabase): Promise<MediaLab> {
  const lab = await createMediaLab({
    dataDir: mkdtempSync(join(tmpdir(), 'ml-bench-chains-')),
    database: db.config,
    authenticate: () => ADMIN,
    logger: quiet,
    worker: { pollIntervalMs: 200 },
    quotas: { maxActiveJobsPerUser: 1_000_000, maxSubmissionsPerDay: 10_000_000 },
  });
  await lab.migrate();
  await lab.start();
  return lab;
}

/** A distinct small image (each run its own, so nothing is reused by accident). */
async function upload(lab: MediaLab, seed: number): Promise<string> {
  const png = await sharp({ create: { width: 32, height: 24, channels: 3, background: { r: seed % 256, g: (seed * 7) % 256, b: (seed * 13) % 256 } } }).png().toBuffer();
  return uploadViaHttp(lab, png);
}

/** Through POST /uploads, as a client would. */
async function uploadViaHttp(lab: MediaLab, bytes: Buffer): Promise<string> {
  const express = (await import('express')).default;
  const { createServer } = await import('node:http');
  if (!server) {
    const app = express();
    app.use('/api/media-lab', lab.router);
    server = createServer(app);
    await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), 'in.png');
  const res = await fetch(`http://127.0.0.1:${port}/api/media-lab/uploads`, { method: 'POST', body: form });
  return ((await res.json()) as { id: string }).id;
}
let server: import('node:http').Server | null = null;

function finishedOnce(lab: MediaLab, id: string): Promise<Job> {
  return new Promise((resolve) => {
    const on = (job: Job) => {
      if (job.id !== id) return;
      lab.events.off('job.finished', on);
      resolve(job);
    };
    lab.events.on('job.finished', on);
  });
}

async function byHand(lab: MediaLab, photo: string): Promise<number> {
  const started = performance.now();
  let input = photo;
  for (let i = 0; i < 3; i++) {
    const { job } = await lab.jobs.submit(ADMIN, { workflow: 'enhance', params: { qualityPreset: 'fast', scale: 2 }, inputs: [input] });
    const done = await finishedOnce(lab, job.id);
    if (done.status !== 'SUCCEEDED') throw new Error(`by hand: ${done.errorCode} ${done.errorMessage}`);
    input = (await lab.jobs.detail(job.id))!.outputs[0].id;
  }
  return performance.now() - started;
}

async function chained(lab: MediaLab, photo: string): Promise<{ total: number; stepRun: number; chain: Job }> {
  const started = performance.now();
  let chainId = '';
  const ended = new Promise<Job>((resolve) => {
    const on = (job: Job) => {
      if (job.id !== chainId) return;
      lab.events.off('job.finished', on);
      resolve(job);
    };
    lab.events.on('job.finished', on);
  });
  const chain = await lab.chains.run(ADMIN, { preset: 'three', params: { photo } });
  chainId = chain.id;
  const done = chain.status === 'SUCCEEDED' ? chain : await ended;
  const total = performance.now() - started;
  if (done.status !== 'SUCCEEDED') throw new Error(`chain: ${done.errorCode} ${done.errorMessage}`);
  const steps = await lab.chains.steps(chain.id);
  // Run time: from each step's claim to its end (what the same job costs by hand too).
  const stepRun = steps.reduce((sum, s) => sum + (new Date(s.finishedAt as string).getTime() - new Date(s.startedAt as string).getTime()), 0);
  return { total, stepRun, chain: done };
}

async function bench(db: TestDatabase): Promise<void> {
  const lab = await makeLab(db);
  try {
    await lab.chainPresets.publish({ name: 'three', ...THREE }, 'api');
    // Warm up: the enhance pipeline, the statements.
    await byHand(lab, await upload(lab, 1));
    await chained(lab, await upload(lab, 2));
    const hand: number[] = [];
    const chain: number[] = [];
    const overhead: number[] = [];
    const reused: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      hand.push(await byHand(lab, await upload(lab, 1000 + i)));
      const photo = await upload(lab, 5000 + i);
      const run = await chained(lab, photo);
      chain.push(run.total);
      overhead.push((run.total - run.stepRun) / 3);
      const again = await chained(lab, photo);
      if (!(await lab.chains.steps(again.chain.id)).every((s) => s.reusedFromJobId)) throw new Error('the resubmitted chain ran a step');
      reused.push(again.total);
    }
    const p50 = (v: number[]) => percentile(v, 50);
    console.log(`\n${db.name}: ${RUNS} runs of a three-step chain (enhance fast x2, 32x24 -> 256x192)`);
    console.log(`  by hand (submit, wait, submit)   p50 ${ms(p50(hand))}  p95 ${ms(percentile(hand, 95))}`);
    console.log(`  chain                            p50 ${ms(p50(chain))}  p95 ${ms(percentile(chain, 95))}   chain / by hand = ${(p50(chain) / p50(hand)).toFixed(2)}`);
    console.log(`  chain overhead per step          p50 ${ms(p50(overhead))}  p95 ${ms(percentile(overhead, 95))}   (target < 20 ms: ${(p50(overhead) / 20).toFixed(2)} of it)`);
    console.log(`  (chain - by hand) per step       p50 ${ms((p50(chain) - p50(hand)) / 3)}`);
    console.log(`  resubmitted, all reused          p50 ${ms(p50(reused))}  p95 ${ms(percentile(reused, 95))}   (target < 50 ms: ${(p50(reused) / 50).toFixed(2)} of it; ${(p50(reused) / p50(chain)).toFixed(3)} of a run)`);
  } finally {
    await lab.stop();
    server?.close();
    server = null;
    await db.drop();
  }
}

await bench(sqliteDatabase());
if (PG_URL) await bench(await postgresDatabase());
else console.log('\n(PostgreSQL: set MEDIA_LAB_TEST_PG to run it too)');
process.exit(0);
