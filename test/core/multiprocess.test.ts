import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN } from '../support/auth.js';
import { DATABASES } from '../support/db.js';
import { steppingKind } from '../support/kinds.js';
import type { KindDefinition } from '../../plugin/core/types.js';
import { z } from 'zod';
import { startTestLab, type TestLab } from '../support/lab.js';
import { waitFor } from '../support/wait.js';
import WebSocket from 'ws';

function spawnWorker(db: string, dataDir: string, name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/worker-process.ts', db, dataDir, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (String(chunk).includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker ${name} exited early (${code})`)));
  });
}

function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function setup(target: (typeof DATABASES)[number], kind: KindDefinition<any> = steppingKind('voice')): Promise<TestLab> { // eslint-disable-line @typescript-eslint/no-explicit-any -- each test kind has its own params
  // The test process only submits and reads; the workers live in child processes.
  // The same `voice` parameter schema as the workers' (steps, stepMs), for submit-time validation.
  const t = await startTestLab({ db: await target.create(), kinds: [kind], worker: { enabled: false }, quotas: { maxActiveJobsPerUser: 1000, maxSubmissionsPerDay: 10000 } });
  await t.knex.schema.createTable('test_runs', (table) => {
    table.increments('id');
    table.string('job_id');
    table.string('worker');
    table.string('phase');
    table.bigInteger('at');
  });
  return t;
}

/** For submit-time validation only: the parameters test/support/worker-process.ts reads. */
const gatedKind: KindDefinition<Record<string, unknown>> = {
  kind: 'voice',
  description: 'validates the worker processes\' parameters',
  paramsSchema: z.object({ steps: z.number().int(), stepMs: z.number().int().default(0), recordOutputs: z.number().int(), pauseAt: z.array(z.number().int()) }),
  inputs: { min: 0, max: 0, kinds: ['audio'] },
};

for (const target of DATABASES) {
  target.describe(`worker processes on ${target.name}`, function () {
    this.timeout(120_000);

    it('two worker processes on one database never run the same job twice', async () => {
      const t = await setup(target);
      const dataDir = mkdtempSync(join(tmpdir(), 'media-lab-mp-'));
      const workers: ChildProcess[] = [];
      try {
        const ids: string[] = [];
        for (let i = 0; i < 60; i++) {
          const { body } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice', params: { steps: 1, stepMs: 5 } }) });
          ids.push(body.id);
        }
        workers.push(await spawnWorker(t.db.url, dataDir, 'w1'), await spawnWorker(t.db.url, dataDir, 'w2'));
        await waitFor(async () => {
          const row = (await t.knex('media_jobs').where({ status: 'SUCCEEDED' }).count({ n: '*' }).first()) as { n: number | string };
          return Number(row.n) === ids.length;
        }, 'all jobs to succeed', 90_000);
        const runs = (await t.knex('test_runs').where({ phase: 'start' })) as Array<{ job_id: string; worker: string }>;
        assert.equal(runs.length, ids.length, 'each job started exactly once');
        assert.equal(new Set(runs.map((r) => r.job_id)).size, ids.length);
        const attempts = (await t.knex('media_jobs').max({ m: 'attempts' }).first()) as { m: number };
        assert.equal(Number(attempts.m), 1);
      } finally {
        await Promise.all(workers.map(stopWorker));
        await t.close();
      }
    });

    it('a worker killed with SIGKILL mid-job: the job is re-claimed after the lease and finishes once', async () => {
      const t = await setup(target);
      const dataDir = mkdtempSync(join(tmpdir(), 'media-lab-mp-'));
      let second: ChildProcess | null = null;
      try {
        const { body } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice', params: { steps: 60, stepMs: 100 } }) });
        const first = await spawnWorker(t.db.url, dataDir, 'doomed');
        await waitFor(async () => ((await t.knex('test_runs').where({ job_id: body.id, phase: 'start' })).length ? true : null), 'the first start');
        first.kill('SIGKILL');
        await new Promise((r) => first.once('exit', r));
        const stuck = await t.knex('media_jobs').where({ id: body.id }).first();
        assert.equal(stuck.status, 'RUNNING', 'still RUNNING right after the crash (lease not yet expired)');
        second = await spawnWorker(t.db.url, dataDir, 'survivor');
        await waitFor(async () => ((await t.knex('media_jobs').where({ id: body.id, status: 'SUCCEEDED' }).first()) ? true : null), 'the job to succeed', 60_000);
        const runs = (await t.knex('test_runs').where({ job_id: body.id }).orderBy('id')) as Array<{ worker: string; phase: string }>;
        assert.deepEqual(runs.map((r) => `${r.worker}:${r.phase}`), ['doomed:start', 'survivor:start', 'survivor:finish']);
        const job = await t.knex('media_jobs').where({ id: body.id }).first();
        assert.equal(Number(job.attempts), 2);
        const events = (await t.knex('media_job_events').where({ job_id: body.id }).orderBy('id')) as Array<{ type: string }>;
        assert.deepEqual(events.map((e) => e.type), ['submitted', 'claimed', 'lease-expired', 'claimed', 'succeeded']);
      } finally {
        if (second) await stopWorker(second);
        await t.close();
      }
    });
    it('a worker frozen past its lease (SIGSTOP) while another re-ran the job writes nothing when it wakes (SIGCONT)', async () => {
      const t = await setup(target, gatedKind);
      const dataDir = mkdtempSync(join(tmpdir(), 'media-lab-mp-'));
      const workers: ChildProcess[] = [];
      const phases = async (worker: string) => ((await t.knex('test_runs').where({ job_id: id, worker }).orderBy('id')) as Array<{ phase: string }>).map((r) => r.phase);
      const reached = (worker: string, phase: string) => waitFor(async () => (await phases(worker)).includes(phase), `${worker} to reach ${phase}`, 60_000);
      const open = (worker: string, gate: number) => t.knex('test_runs').insert({ job_id: id, worker, phase: `go-${gate}`, at: Date.now() });
      // One step, then gate 1 (before the output), the output, gate 2 (after it).
      const { body } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice', params: { steps: 1, recordOutputs: 1, pauseAt: [1, 2] } }) });
      const id = body.id;
      try {
        const frozen = await spawnWorker(t.db.url, dataDir, 'frozen');
        workers.push(frozen);
        await reached('frozen', 'gate-1');
        frozen.kill('SIGSTOP');
        // Its lease runs out; the other worker's sweep requeues the job and it runs attempt 2.
        workers.push(await spawnWorker(t.db.url, dataDir, 'other'));
        await reached('other', 'gate-1');
        const taken = await t.knex('media_jobs').where({ id }).first();
        assert.equal(taken.lease_owner, 'other');
        assert.equal(Number(taken.attempts), 2);
        const takeover = Number(((await t.knex('media_job_events').where({ job_id: id, type: 'lease-expired' }).first()) as { id: number }).id);

        // The frozen worker wakes and tries to record its output while the other still runs.
        frozen.kill('SIGCONT');
        await open('frozen', 1);
        await waitFor(async () => (await phases('frozen')).some((p) => p.startsWith('output-')), 'the woken worker to try its output', 60_000);
        await open('other', 1);
        await open('other', 2);
        await waitFor(async () => ((await t.knex('media_jobs').where({ id, status: 'SUCCEEDED' }).first()) ? true : null), 'the job to succeed', 60_000);
        await open('frozen', 2);
        await Promise.all(workers.map(stopWorker));

        assert.deepEqual((await phases('frozen')).filter((p) => !p.startsWith('go-')), ['start', 'gate-1', 'output-refused'], 'the woken attempt could not record an output');
        const job = await t.knex('media_jobs').where({ id }).first();
        assert.equal(job.status, 'SUCCEEDED');
        assert.equal(Number(job.attempts), 2);
        const events = (await t.knex('media_job_events').where({ job_id: id }).orderBy('id')) as Array<{ id: number; type: string; actor: string }>;
        assert.deepEqual(events.filter((e) => Number(e.id) > takeover).map((e) => `${e.actor}:${e.type}`), ['worker:other:claimed', 'worker:other:succeeded'], 'nothing from the frozen worker after the takeover');
        const outputs = (await t.knex('media_artifacts').where({ job_id: id })) as Array<{ published: unknown; attempt: number; storage_key: string }>;
        assert.deepEqual(outputs.map((o) => [Boolean(o.published), Number(o.attempt)]), [[true, 2]], 'one published output, of the attempt that succeeded');
        const objects = (await readdir(join(dataDir, 'artifacts', 'objects'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
        assert.equal(objects.length, 1, 'no file of the frozen attempt in storage');
        assert.equal(await readFile(join(dataDir, 'artifacts', outputs[0].storage_key), 'utf8'), 'made by other on attempt 2 #0');
      } finally {
        for (const worker of workers) if (worker.signalCode === null && worker.exitCode === null) worker.kill('SIGCONT');
        await Promise.all(workers.map(stopWorker));
        await t.close();
      }
    });

    it('WebSocket clients of a server without workers see the jobs a worker process runs', async () => {
      const t = await setup(target);
      const dataDir = mkdtempSync(join(tmpdir(), 'media-lab-mp-'));
      const ws = new WebSocket(`${t.api.replace('http', 'ws')}/events?token=${ADMIN}`);
      const seen: Array<{ type: string; job?: { id: string; status: string }; id?: string; progress?: number }> = [];
      ws.on('message', (data) => seen.push(JSON.parse(String(data))));
      await new Promise((resolve) => ws.once('open', resolve));
      let worker: ChildProcess | null = null;
      try {
        const { body } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice', params: { steps: 5, stepMs: 200 } }) });
        worker = await spawnWorker(t.db.url, dataDir, 'remote');
        await waitFor(async () => (seen.some((e) => e.type === 'job.finished' && e.job?.id === body.id) ? true : null), 'job.finished over the WebSocket', 30_000);
        const statuses = seen.filter((e) => e.type === 'job.updated' && e.job?.id === body.id).map((e) => e.job?.status);
        assert.deepEqual(statuses, ['QUEUED', 'RUNNING', 'SUCCEEDED']);
        const progress = seen.filter((e) => e.type === 'job.progress' && e.id === body.id).map((e) => e.progress ?? 0);
        assert.deepEqual([...progress].sort((a, b) => a - b), progress, 'progress never goes back');
      } finally {
        ws.close();
        if (worker) await stopWorker(worker);
        await t.close();
      }
    });
  });
}
