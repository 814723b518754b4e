import assert from 'node:assert/strict';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import { DATABASES } from '../support/db.js';
import { steppingKind } from '../support/kinds.js';
import { startTestLab, waitForStatus, type TestLab } from '../support/lab.js';
import { waitFor } from '../support/wait.js';
import { recordOutput } from '../../plugin/artifacts/outputs.js';
import type { Job, KindDefinition, MediaFacts } from '../../plugin/core/types.js';
import type { AuditEvent, Job as WireJob, JobDetail } from '../../contract/job.js';
import type { Items } from '../../contract/pages.js';
import { placeholderKind } from '../../plugin/kinds/registry.js';

async function submit(t: TestLab, workflow: string, params: Record<string, unknown> = {}): Promise<string> {
  const { status, body } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow, params }) });
  assert.equal(status, 202, JSON.stringify(body));
  return body.id;
}

async function events(t: TestLab, id: string): Promise<AuditEvent[]> {
  return (await t.json<Items<AuditEvent>>(`/jobs/${id}/events`)).body.items;
}

async function tmpEntries(t: TestLab): Promise<string[]> {
  return readdir(join(t.dataDir, 'artifacts', 'tmp')).catch(() => []);
}

for (const target of DATABASES) {
  target.describe(`job lifecycle on ${target.name}`, function () {
    let t: TestLab;
    before(async () => {
      t = await startTestLab({ db: await target.create(), kinds: [steppingKind('voice'), steppingKind('music'), placeholderKind('blend')], lanes: { voice: 2, music: 1 } });
    });
    after(async () => t.close());

    it('QUEUED -> RUNNING -> SUCCEEDED publishes outputs and audits each transition', async () => {
      const id = await submit(t, 'voice', { steps: 3, outputs: 2 });
      const job = await waitForStatus(t, id, ['SUCCEEDED']);
      assert.equal(job.outputs.length, 2);
      assert.equal(job.progress, 1);
      const trail = await events(t, id);
      assert.deepEqual(trail.map((e) => [e.from, e.to]), [[null, 'QUEUED'], ['QUEUED', 'RUNNING'], ['RUNNING', 'SUCCEEDED']]);
      assert.match(trail[1].actor, /^worker:/);
      assert.deepEqual(await tmpEntries(t), [], 'temp files removed');
    });

    it('a transient failure retries with backoff and then succeeds', async () => {
      const id = await submit(t, 'voice', { failWith: 'transient', failTimes: 1 });
      const job = await waitForStatus(t, id, ['SUCCEEDED']);
      assert.equal(job.attempts, 2);
      const trail = await events(t, id);
      assert.ok(trail.some((e) => e.type === 'retry-scheduled' && e.from === 'RUNNING' && e.to === 'QUEUED'));
    });

    it('a transient failure with no attempts left fails with the error code and message persisted', async () => {
      const id = await submit(t, 'voice', { failWith: 'transient' });
      const job = await waitForStatus(t, id, ['FAILED']);
      assert.equal(job.attempts, 3);
      assert.equal(job.errorCode, 'EXECUTOR_FAILED');
      assert.match(job.errorMessage ?? '', /planned transient failure #3/);
      assert.equal(job.outputs.length, 0);
    });

    it('a permanent failure fails at once, publishing nothing', async () => {
      const id = await submit(t, 'voice', { failWith: 'permanent' });
      const job = await waitForStatus(t, id, ['FAILED']);
      assert.equal(job.attempts, 1);
      const rows = await t.knex('media_artifacts').where({ job_id: id });
      assert.equal(rows.length, 0, 'no artifact rows of a failed job');
    });

    it('a kind without an executor fails its jobs with EXECUTOR_UNAVAILABLE', async () => {
      // `blend` registered without its pipeline, as on a server where ComfyUI is not installed.
      const id = await submit(t, 'blend', {});
      const job = await waitForStatus(t, id, ['FAILED']);
      assert.equal(job.errorCode, 'EXECUTOR_UNAVAILABLE');
      assert.match(job.errorMessage ?? '', /No executor is installed for "blend"/);
    });

    it('cancels a QUEUED job at once, and retry queues it again (audited)', async () => {
      const blocker = await submit(t, 'music', { steps: 40, stepMs: 25 });
      const queued = await submit(t, 'music', {});
      const cancel = await t.json<WireJob>(`/jobs/${queued}/cancel`, { method: 'POST' });
      assert.equal(cancel.status, 200);
      assert.equal(cancel.body.status, 'CANCELLED');
      const again = await t.json<WireJob>(`/jobs/${queued}/cancel`, { method: 'POST' });
      assert.equal(again.status, 409);
      const retry = await t.json<WireJob>(`/jobs/${queued}/retry`, { method: 'POST' });
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
      await waitFor(async () => ((await t.json<JobDetail>(`/jobs/${id}`)).body.progress > 0 ? true : null), 'progress');
      const res = await t.json<WireJob>(`/jobs/${id}/cancel`, { method: 'POST' });
      assert.equal(res.status, 202);
      const job = await waitForStatus(t, id, ['CANCELLED'], 5000);
      assert.equal(job.errorCode, 'CANCELLED');
      assert.equal((await t.knex('media_artifacts').where({ job_id: id })).length, 0);
      assert.deepEqual(await tmpEntries(t), []);
      const trail = await events(t, id);
      assert.deepEqual(trail.slice(-2).map((e) => e.type), ['cancel-requested', 'cancelled']);
    });

    it('lanes: a long job of one kind never blocks another kind', async () => {
      const long = await submit(t, 'music', { steps: 400, stepMs: 25 });
      await waitForStatus(t, long, ['RUNNING']);
      const quick = await submit(t, 'voice', {});
      await waitForStatus(t, quick, ['SUCCEEDED'], 8000);
      const stillRunning = await t.json<JobDetail>(`/jobs/${long}`);
      assert.equal(stillRunning.body.status, 'RUNNING');
      await t.json(`/jobs/${long}/cancel`, { method: 'POST' });
      await waitForStatus(t, long, ['CANCELLED']);
    });
  });

  target.describe(`worker recovery on ${target.name}`, () => {
    it('re-queues a job whose lease expired (its worker died) and runs it to the end once', async () => {
      const db = await target.create();
      const t = await startTestLab({ db, kinds: [steppingKind('voice')], worker: { enabled: false } });
      try {
        const id = await submit(t, 'voice', {});
        // Pretend a worker claimed it and died: RUNNING with a lease that already ran out.
        await t.knex('media_jobs').where({ id }).update({ status: 'RUNNING', attempts: 1, lease_owner: 'dead-worker', lease_expires_at: new Date(Date.now() - 1000).toISOString() });
        const { Worker } = await import('../../plugin/worker/worker.js');
        const worker = new Worker({ knex: t.knex, storage: t.lab.storage, bus: t.lab.events, kinds: t.lab.kinds, options: t.lab.options, log: t.lab.log });
        worker.start();
        const job = await waitForStatus(t, id, ['SUCCEEDED']);
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

    it('a job whose work folder cannot be made is settled (FAILED), never left RUNNING with a live heartbeat', async () => {
      const db = await target.create();
      const t = await startTestLab({ db, kinds: [steppingKind('voice')], worker: { enabled: false } });
      const { Worker } = await import('../../plugin/worker/worker.js');
      const worker = new Worker({ knex: t.knex, storage: t.lab.storage, bus: t.lab.events, kinds: t.lab.kinds, options: t.lab.options, log: t.lab.log });
      try {
        const id = await submit(t, 'voice', {});
        // A plain file where the job's work folder goes: mkdir fails (EEXIST) on every attempt.
        await mkdir(join(t.dataDir, 'artifacts', 'work'), { recursive: true });
        await writeFile(join(t.dataDir, 'artifacts', 'work', id), 'not a folder');
        worker.start();
        const job = await waitForStatus(t, id, ['FAILED'], 10_000);
        assert.equal(job.errorCode, 'EXECUTOR_FAILED');
        assert.equal(job.attempts, 3);
        assert.deepEqual(await tmpEntries(t), [], 'no temp folders left');
      } finally {
        await worker.stop();
        await t.close();
      }
    });

    for (const ending of ['aborted by the heartbeat', 'finishing normally'] as const) {
      it(`an attempt that lost its lease removes the outputs it recorded (${ending}), so the next attempt never publishes them`, async () => {
        const db = await target.create();
        let release: () => void = () => undefined;
        const released = new Promise<void>((resolve) => (release = resolve));
        const kind: KindDefinition<Record<string, never>> = {
          kind: 'voice',
          description: 'records one output, then waits',
          paramsSchema: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
          inputs: { min: 0, max: 0, kinds: ['image'] },
          executor: {
            async run(ctx) {
              const path = join(ctx.tempDir, 'out.png');
              await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toFile(path);
              await ctx.addOutput({ path, facts: { kind: 'image', mime: 'image/png', width: 4, height: 4 } });
              // Either the heartbeat notices the lost lease and aborts, or the test lets it finish.
              await new Promise<void>((resolve, reject) => {
                void released.then(resolve);
                // The row is visible before addOutput returns: the abort may already have happened.
                if (ctx.signal.aborted) return reject(ctx.signal.reason as Error);
                ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true });
              });
              return {};
            },
          },
        };
        // A slow heartbeat for the "finishing normally" case, so only the final guarded write notices.
        const lease = ending === 'finishing normally' ? { durationMs: 120_000, heartbeatMs: 60_000 } : { durationMs: 3000, heartbeatMs: 200 };
        const t = await startTestLab({ db, kinds: [kind], lease });
        try {
          const id = await submit(t, 'voice', {});
          const output = await waitFor(async () => (await t.knex('media_artifacts').where({ job_id: id }).first()) as { storage_key: string } | undefined, 'the recorded output');
          // Its lease was swept and another worker claimed the job meanwhile.
          await t.knex('media_jobs').where({ id }).update({ lease_owner: 'other-worker', lease_expires_at: new Date(Date.now() + 3_600_000).toISOString(), attempts: 2 });
          if (ending === 'finishing normally') release();
          await waitFor(async () => ((await t.knex('media_artifacts').where({ job_id: id })).length === 0 ? true : null), 'the stale output to be removed', 5000);
          // The row goes first, then the file (once no row points to it).
          const fileGone = async () => stat(join(t.dataDir, 'artifacts', output.storage_key)).then(() => null, () => true);
          await waitFor(fileGone, 'its file to be removed too', 5000);
          const row = await t.knex('media_jobs').where({ id }).first();
          assert.equal(row.status, 'RUNNING', 'the other worker still owns the job');
          assert.equal(row.lease_owner, 'other-worker');
        } finally {
          release();
          await t.knex('media_jobs').update({ status: 'CANCELLED', lease_owner: null });
          await t.close();
        }
      });
    }
  });
}

describe('recordOutput', () => {
  it('removes the adopted file when its row cannot be written', async () => {
    const t = await startTestLab({ worker: { enabled: false } });
    try {
      const path = join(t.dataDir, 'out.png');
      await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 9, g: 8, b: 7 } } }).png().toFile(path);
      const job = { id: 'no-such-job', workflow: 'voice', preset: null, inputIds: [], submittedBy: 'u', attempts: 1 } as unknown as Job;
      // kind is NOT NULL: the insert fails after the file was adopted into storage.
      const facts = { kind: null, mime: 'image/png' } as unknown as MediaFacts;
      await assert.rejects(recordOutput(t.knex, t.lab.storage, job, { path, facts }, async () => true));
      const objects = await readdir(join(t.dataDir, 'artifacts', 'objects'), { recursive: true, withFileTypes: true });
      assert.deepEqual(objects.filter((e) => e.isFile()).map((e) => e.name), [], 'no unindexed object left in storage');
    } finally {
      await t.close();
    }
  });
});
