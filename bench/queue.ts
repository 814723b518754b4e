// Job-queue benchmark: submit-to-RUNNING latency, no-op throughput with 1 and 4 workers on
// SQLite and PostgreSQL, and GET /jobs latency with 100,000 jobs in the table.
//   npx tsx bench/queue.ts            (PostgreSQL too when MEDIA_LAB_TEST_PG is set)
import express from 'express';
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { createMediaLab, type MediaLab } from '../plugin/index.js';
import { Worker } from '../plugin/worker/worker.js';
import { newId } from '../plugin/core/ids.js';
import { PG_URL, postgresDatabase, sqliteDatabase, type TestDatabase } from '../test/support/db.js';
import type { KindDefinition } from '../plugin/core/types.js';

const ADMIN = { id: 'bench', roles: ['admin'] };
const quiet = { info() {}, warn() {}, error: console.error };
const noop: KindDefinition<Record<string, never>> = {
  kind: 'voice',
  description: 'no-op',
  paramsSchema: z.object({}) as unknown as z.ZodType<Record<string, never>>,
  inputs: { min: 0, max: 0, kinds: ['audio'] },
  executor: { async run() {} },
};

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const ms = (n: number) => `${n.toFixed(2)} ms`;

async function makeLab(db: TestDatabase, workerEnabled: boolean): Promise<MediaLab> {
  const lab = await createMediaLab({
    dataDir: mkdtempSync(join(tmpdir(), 'ml-bench-')),
    database: db.config,
    authenticate: () => ADMIN,
    logger: quiet,
    worker: { enabled: workerEnabled, pollIntervalMs: 200 },
    lanes: { voice: 4 },
    quotas: { maxActiveJobsPerUser: 1_000_000, maxSubmissionsPerDay: 10_000_000 },
  });
  lab.kinds.register(noop);
  await lab.migrate();
  return lab;
}

async function submitToRunning(db: TestDatabase): Promise<{ p50: number; p95: number; baselineP50: number }> {
  const lab = await makeLab(db, true);
  await lab.start();
  const samples: number[] = [];
  for (let i = 0; i < 200; i++) {
    const started = performance.now();
    const running = new Promise<void>((resolve) => {
      const onUpdate = (job: { status: string }) => {
        if (job.status === 'RUNNING') {
          lab.events.off('job.updated', onUpdate);
          resolve();
        }
      };
      lab.events.on('job.updated', onUpdate);
    });
    await lab.jobs.submit(ADMIN, { workflow: 'voice' });
    await running;
    samples.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, 2));
  }
  // Baseline: one bare INSERT + SELECT round trip on the same database.
  await lab.knex.schema.createTable('bench_baseline', (t) => {
    t.string('id').primary();
    t.text('body');
  });
  const base: number[] = [];
  for (let i = 0; i < 200; i++) {
    const started = performance.now();
    const id = newId();
    await lab.knex('bench_baseline').insert({ id, body: '{}' });
    await lab.knex('bench_baseline').where({ id }).first();
    base.push(performance.now() - started);
  }
  await lab.stop();
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), baselineP50: percentile(base, 50) };
}

async function throughput(db: TestDatabase, workers: number, jobs: number): Promise<number> {
  const lab = await makeLab(db, false);
  const rows = Array.from({ length: jobs }, () => {
    const now = new Date().toISOString();
    return { id: newId(), workflow: 'voice', params: '{}', input_ids: '[]', status: 'QUEUED', run_after: now, submitted_by: 'bench', created_at: now, updated_at: now, checkpoint: '{}' };
  });
  for (let i = 0; i < rows.length; i += 200) await lab.knex('media_jobs').insert(rows.slice(i, i + 200));
  const pool = Array.from({ length: workers }, (_, i) => new Worker({ knex: lab.knex, storage: lab.storage, bus: lab.events, kinds: lab.kinds, options: { ...lab.options, worker: { ...lab.options.worker, name: `w${i}` } }, log: lab.log }));
  const started = performance.now();
  let done = 0;
  const finished = new Promise<void>((resolve) => lab.events.on('job.finished', () => ++done === jobs && resolve()));
  pool.forEach((w) => w.start());
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(pool.map((w) => w.stop()));
  await lab.stop();
  return jobs / seconds;
}

async function listLatency(db: TestDatabase): Promise<Record<string, { p50: number; p95: number }>> {
  const lab = await makeLab(db, false);
  // Workflow and status vary independently (as in real queues): every combination occurs.
  const statuses = ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'QUEUED'];
  const base = Date.now() - 100_000 * 1000;
  for (let i = 0; i < 100_000; i += 1000) {
    const batch = Array.from({ length: 1000 }, (_, j) => {
      const at = new Date(base + (i + j) * 1000).toISOString();
      return { id: newId(base + (i + j) * 1000), workflow: (['generate', 'enhance', 'voice'] as const)[(i + j) % 3], params: '{"prompt":"a cat"}', input_ids: '[]', status: statuses[Math.floor((i + j) / 3) % statuses.length], run_after: at, submitted_by: 'bench', created_at: at, updated_at: at, checkpoint: '{}' };
    });
    await lab.knex.batchInsert('media_jobs', batch, 250);
  }
  if (db.name === 'postgres') await lab.knex.raw('ANALYZE media_jobs');
  const app = express();
  app.use('/api/media-lab', lab.router);
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const results: Record<string, { p50: number; p95: number }> = {};
  for (const [label, query] of [
    ['newest 50', ''],
    ['status=SUCCEEDED', '&status=SUCCEEDED'],
    ['workflow=enhance,status=FAILED', '&workflow=enhance&status=FAILED'],
  ] as const) {
    const samples: number[] = [];
    let cursor = '';
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/api/media-lab/jobs?limit=50${query}${i % 4 && cursor ? `&cursor=${cursor}` : ''}`);
      const body = (await res.json()) as { nextCursor: string | null };
      samples.push(performance.now() - started);
      cursor = body.nextCursor ?? '';
    }
    results[label] = { p50: percentile(samples, 50), p95: percentile(samples, 95) };
  }
  server.close();
  await lab.stop();
  return results;
}

async function run(name: string, create: () => Promise<TestDatabase>): Promise<void> {
  console.log(`\n== ${name} ==`);
  let db = await create();
  const latency = await submitToRunning(db);
  await db.drop();
  console.log(`submit -> RUNNING (in-process, idle): p50 ${ms(latency.p50)}, p95 ${ms(latency.p95)}  [target p50 < 25 ms: ${latency.p50 < 25 ? 'met' : 'MISSED'}]`);
  console.log(`  baseline bare INSERT+SELECT p50 ${ms(latency.baselineP50)}  -> submit-to-running = ${(latency.p50 / latency.baselineP50).toFixed(1)}x the baseline round trip`);
  for (const workers of [1, 4]) {
    db = await create();
    const rate = await throughput(db, workers, 1000);
    await db.drop();
    console.log(`no-op throughput, ${workers} worker${workers > 1 ? 's' : ''}: ${rate.toFixed(0)} jobs/s`);
  }
  db = await create();
  const list = await listLatency(db);
  await db.drop();
  for (const [label, r] of Object.entries(list)) {
    console.log(`GET /jobs (${label}) with 100,000 jobs: p50 ${ms(r.p50)}, p95 ${ms(r.p95)}  [target p95 < 20 ms: ${r.p95 < 20 ? 'met' : 'MISSED'}]`);
  }
}

await run('SQLite', async () => sqliteDatabase());
if (PG_URL) await run('PostgreSQL', postgresDatabase);
else console.log('\nPostgreSQL: skipped (set MEDIA_LAB_TEST_PG=postgres://... to include it)');
process.exit(0);
