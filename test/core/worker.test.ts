import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DATABASES } from '../helpers/db.js';
import { startTestLab, waitFor, waitForStatus, type TestLab } from '../helpers/lab.js';
import { steppingKind } from '../helpers/kinds.js';
import { placeholderKind } from '../../plugin/kinds/registry.js';
import type { JobStatus } from '../../plugin/core/types.js';

interface JobBody {
  id: string;
  status: JobStatus;
  attempts: number;
  errorCode: string | null;
  errorMessage: string | null;
  outputs: Array<{ id: string }>;
  progress: number;
}

async function submit(t: TestLab, workflow: string, params: Record<string, unknown> = {}): Promise<string> {
  const { status, body } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow, params }) });
  assert.equal(status, 202, JSON.stringify(body));
  return body.id;
}

async function events(t: TestLab, id: string): Promise<Array<{ type: string; from: string | null; to: string | null; actor: string }>> {
  return (await t.json<{ items: Array<{ type: string; from: string | null; to: string | null; actor: string }> }>(`/jobs/${id}/events`)).body.items;
}

async function tmpEntries(t: TestLab): Promise<string[]> {
  return readdir(join(t.dataDir, 'artifacts', 'tmp')).catch(() => []);
}

for (const target of DATABASES) {
  describe(`job lifecycle on ${target.name}`, function () {
    let t: TestLab;
    before(async () => {
      t = await startTestLab({ db: await target.create(), kinds: [steppingKind('voice'), steppingKind('music'), placeholderKind('blend')], lanes: { voice: 2, music: 1 } });
    });
    after(async () => t.close());

    it('QUEUED -> RUNNING -> SUCCEEDED publishes outputs and audits each transition', async () => {
      const id = await submit(t, 'voice', { steps: 3, outputs: 2 });
      const job = (await waitForStatus(t, id, ['SUCCEEDED'])) as unknown as JobBody;
      assert.equal(job.outputs.length, 2);
      assert.equal(job.progress, 1);
      const trail = await events(t, id);
      assert.deepEqual(trail.map((e) => [e.from, e.to]), [[null, 'QUEUED'], ['QUEUED', 'RUNNING'], ['RUNNING', 'SUCCEEDED']]);
      assert.match(trail[1].actor, /^worker:/);
      assert.deepEqual(await tmpEntries(t), [], 'temp files removed');
    });

    it('a transient failure retries with backoff and then succeeds', async () => {
      const id = await submit(t, 'voice', { failWith: 'transient', failTimes: 1 });
      const job = (await waitForStatus(t, id, ['SUCCEEDED'])) as unknown as JobBody;
      assert.equal(job.attempts, 2);
      const trail = await events(t, id);
      assert.ok(trail.some((e) => e.type === 'retry-scheduled' && e.from === 'RUNNING' && e.to === 'QUEUED'));
    });

    it('a transient failure with no attempts left fails with the error code and message persisted', async () => {
      const id = await submit(t, 'voice', { failWith: 'transient' });
      const job = (await waitForStatus(t, id, ['FAILED'])) as unknown as JobBody;
      assert.equal(job.attempts, 3);
      assert.equal(job.errorCode, 'EXECUTOR_FAILED');
      assert.match(job.errorMessage ?? '', /planned transient failure #3/);
      assert.equal(job.outputs.length, 0);
    });

    it('a permanent failure fails at once, publishing nothing', async () => {
      const id = await submit(t, 'voice', { failWith: 'permanent' });
      const job = (await waitForStatus(t, id, ['FAILED'])) as unknown as JobBody;
      assert.equal(job.attempts, 1);
      const rows = await t.knex('media_artifacts').where({ job_id: id });
      assert.equal(rows.length, 0, 'no artifact rows of a failed job');
    });

    it('a kind without an executor fails its jobs with EXECUTOR_UNAVAILABLE', async () => {
      // `blend` registered without its pipeline, as on a server where ComfyUI is not installed.
      const id = await submit(t, 'blend', {});
      const job = (await waitForStatus(t, id, ['FAILED'])) as unknown as JobBody;
      assert.equal(job.errorCode, 'EXECUTOR_UNAVAILABLE');
      assert.match(job.errorMessage ?? '', /No executor is installed for "blend"/);
    });

    it('cancels a QUEUED job at once, and retry queues it again (audited)', async () => {
      const blocker = await submit(t, 'music', { steps: 40, stepMs: 25 });
      const queued = await submit(t, 'music', {});
      const cancel = await t.json<JobBody>(`/jobs/${queued}/cancel`, { method: 'POST' });
      assert.equal(cancel.status, 200);
      assert.equal(cancel.body.status, 'CANCELLED');
      const again = await t.json<JobBody>(`/jobs/${queued}/cancel`, { method: 'POST' });
      assert.equal(again.status, 409);
      const retry = await t.json<JobBody>(`/jobs/${queued}/retry`, { method: 'POST' });
      assert.equal(retry.status, 202);
      assert.equal(retry.body.status, 'QUEUED');
      await waitForStatus(t, queued, ['SUCCEEDED']);
      await waitForStatus(t, blocker, ['SUCCEEDED']);
      const trail = await events(t, queued);
      assert.deepEqual(trail.map((e) => e.type), ['submitted', 'cancelled', 'retried', 'claimed', 'succeeded']);
      assert.equal(trail[1].actor, 'demo-admin');
    });

    it('cancels a RUNNING job at its next checkpoint: CANCELLED, no outputs, no temp files', async () => {
      const id = await submit(t, 'voice', { steps: 200, stepMs: 20, outputs: 1 });
      await waitForStatus(t, id, ['RUNNING']);
      await waitFor(async () => ((await t.json<JobBody>(`/jobs/${id}`)).body.progress > 0 ? true : null), 'progress');
      const res = await t.json<JobBody>(`/jobs/${id}/cancel`, { method: 'POST' });
      assert.equal(res.status, 202);
      const job = (await waitForStatus(t, id, ['CANCELLED'], 5000)) as unknown as JobBody;
      assert.equal(job.errorCode, 'CANCELLED');
      assert.equal((await t.knex('media_artifacts').where({ job_id: id })).length, 0);
      assert.deepEqual(await tmpEntries(t), []);
      const trail = await events(t, id);
      assert.deepEqual(trail.slice(-2).map((e) => e.type), ['cancel-requested', 'cancelled']);
    });

    it('lanes: a long job of one kind never blocks another kind', async () => {
      const long = await submit(t, 'music', { steps: 100, stepMs: 20 });
      await waitForStatus(t, long, ['RUNNING']);
      const quick = await submit(t, 'voice', {});
      await waitForStatus(t, quick, ['SUCCEEDED'], 1500);
      const stillRunning = await t.json<JobBody>(`/jobs/${long}`);
      assert.equal(stillRunning.body.status, 'RUNNING');
      await t.json(`/jobs/${long}/cancel`, { method: 'POST' });
      await waitForStatus(t, long, ['CANCELLED']);
    });
  });

  describe(`worker recovery on ${target.name}`, () => {
    it('re-queues a job whose lease expired (its worker died) and runs it to the end once', async () => {
      const db = await target.create();
      const t = await startTestLab({ db, kinds: [steppingKind('voice')], worker: { enabled: false } });
      try {
        const id = await submit(t, 'voice', {});
        // Pretend a worker claimed it and died: RUNNING with a lease that already ran out.
        await t.knex('media_jobs').where({ id }).update({ status: 'RUNNING', attempts: 1, lease_owner: 'dead-worker', lease_expires_at: new Date(Date.now() - 1000).toISOString() });
        const { Worker } = await import('../../plugin/worker/worker.js');
        const worker = new Worker({ knex: t.knex, storage: t.lab.storage, bus: t.lab.events, kinds: t.lab.kinds, options: t.lab.options, log: { info() {}, warn() {}, error() {} } });
        worker.start();
        const job = (await waitForStatus(t, id, ['SUCCEEDED'])) as unknown as JobBody;
        await worker.stop();
        assert.equal(job.attempts, 2);
        const trail = await events(t, id);
        assert.deepEqual(trail.map((e) => e.type), ['submitted', 'lease-expired', 'claimed', 'succeeded']);
      } finally {
        await t.close();
      }
    });

    it('graceful stop releases a running job back to QUEUED without spending an attempt', async () => {
      const db = await target.create();
      const t = await startTestLab({ db, kinds: [steppingKind('voice')], worker: { pollIntervalMs: 50, shutdownGraceMs: 100 } });
      const id = await submit(t, 'voice', { steps: 500, stepMs: 20 });
      await waitForStatus(t, id, ['RUNNING']);
      await t.lab.worker?.stop();
      const row = await t.knex('media_jobs').where({ id }).first();
      assert.equal(row.status, 'QUEUED');
      assert.equal(Number(row.attempts), 0);
      assert.equal(row.lease_owner, null);
      await t.close();
    });
  });
}
