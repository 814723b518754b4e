// No ComfyUI backend: configured none, or none answers. GET /kinds and /health say the ComfyUI
// kinds are unavailable, why and what to do; a job submitted meanwhile waits QUEUED with stage
// "waiting for a ComfyUI backend", spends no attempt, and runs as soon as a backend answers
// (its run-time limit counts from then: time spent waiting is not run time).
import { strict as assert } from 'node:assert';
import { ADVICE } from '../../contract/advice.js';
import type { Health } from '../../contract/health.js';
import type { AuditEvent, JobDetail } from '../../contract/job.js';
import type { KindList } from '../../contract/kinds.js';
import type { Items } from '../../contract/pages.js';
import type { Job } from '../../plugin/core/types.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import { startTestLab, waitFor, waitForStatus, type TestLab } from '../support/lab.js';
import { nextEvent } from '../support/wait.js';
import { DATABASES } from '../support/db.js';

const COMFY_KINDS = ['generate', 'blend', 'music', 'voice'];
const WAITING = 'waiting for a ComfyUI backend';
const SMALL = { width: 256, height: 256, steps: 2 };

async function submitGenerate(t: TestLab): Promise<{ id: string; waiting: Promise<Job> }> {
  // Every job.updated from before the submit on: the worker marks the job before the 202 arrives.
  const seen: Job[] = [];
  const listener = (job: Job) => void seen.push(job);
  t.lab.events.on('job.updated', listener);
  const { status, body } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'generate', preset: { name: 'txt2img' }, params: SMALL }) });
  assert.equal(status, 202, JSON.stringify(body));
  const waiting = waitFor(() => seen.find((job) => job.id === body.id && job.stage === WAITING), 'the job to be announced as waiting for a backend').finally(() =>
    t.lab.events.off('job.updated', listener),
  );
  return { id: body.id, waiting };
}

async function eventTypes(t: TestLab, id: string): Promise<string[]> {
  return (await t.json<Items<AuditEvent>>(`/jobs/${id}/events`)).body.items.map((e) => e.type);
}

for (const target of DATABASES) {
  target.describe(`no ComfyUI backend on ${target.name}`, function () {
    this.timeout(60_000);

    describe('none configured', () => {
      let t: TestLab;
      before(async () => {
        t = await startTestLab({ db: await target.create(), comfy: { backends: [] } });
      });
      after(async () => t?.close());

      it('GET /kinds marks the ComfyUI kinds unavailable, with the reason and the fix; the local kinds stay available', async () => {
        const { status, body } = await t.json<KindList>('/kinds');
        assert.equal(status, 200);
        for (const kind of COMFY_KINDS) {
          const info = body.items.find((k) => k.kind === kind);
          assert.equal(info?.available, false, kind);
          assert.match(info?.reason ?? '', /No ComfyUI backend is configured/, kind);
          assert.match(info?.fix ?? '', /COMFYUI_URL/, kind);
          assert.match(info?.fix ?? '', /comfy\.backends/, kind);
        }
        for (const kind of ['enhance', 'interpolate']) {
          const info = body.items.find((k) => k.kind === kind);
          assert.equal(info?.available, true, kind);
          assert.equal(info?.reason, undefined, `${kind}: no reason when available`);
          assert.equal(info?.fix, undefined, `${kind}: no fix when available`);
        }
      });

      it('GET /health agrees with /kinds', async () => {
        const { body } = await t.json<Health>('/health');
        const kinds = (await t.json<KindList>('/kinds')).body.items;
        for (const info of kinds) {
          const executor = body.executors[info.kind];
          assert.deepEqual([executor?.available, executor?.reason, executor?.fix], [info.available, info.reason, info.fix], info.kind);
        }
        assert.equal(body.executors.generate?.available, false);
      });

      it('a submitted job waits QUEUED with stage "waiting for a ComfyUI backend", without spending an attempt', async () => {
        const { id, waiting } = await submitGenerate(t);
        const announced = await waiting;
        assert.equal(announced.status, 'QUEUED');
        const { body: job } = await t.json<JobDetail>(`/jobs/${id}`);
        assert.deepEqual([job.status, job.stage, job.attempts, job.errorCode], ['QUEUED', WAITING, 0, null]);
        assert.deepEqual(await eventTypes(t, id), ['submitted'], 'never claimed');
        // Still the user's to cancel, like any queued job.
        const cancel = await t.json<JobDetail>(`/jobs/${id}/cancel`, { method: 'POST' });
        assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
        assert.equal((await waitForStatus(t, id, ['CANCELLED'])).status, 'CANCELLED');
      });

      it('the advice for COMFY_UNREACHABLE names COMFYUI_URL', () => {
        assert.match(ADVICE.COMFY_UNREACHABLE, /COMFYUI_URL/);
        assert.match(ADVICE.COMFY_UNREACHABLE, /comfy\.backends/);
      });
    });

    describe('a backend that goes away while a job runs', () => {
      let t: TestLab;
      let comfy: FakeComfy;
      before(async () => {
        comfy = await startFakeComfy();
        t = await startTestLab({
          db: await target.create(),
          comfy: {
            backends: [{ name: 'gpu', url: comfy.url }],
            healthIntervalMs: 100,
            reconnect: { baseMs: 20, maxMs: 200, giveUpAfterMs: 800 },
            watchdogMs: 500,
            pollWhileDisconnectedMs: 100,
          },
        });
      });
      after(async () => {
        await t?.close();
        await comfy?.close();
      });

      it('goes back to waiting with its attempt given back, and finishes when the backend is back', async () => {
        comfy.timing.hold = ['KSampler'];
        const { status, body } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'generate', preset: { name: 'txt2img' }, params: SMALL }) });
        assert.equal(status, 202);
        await waitFor(() => comfy.queue().queue_running.length > 0, 'the prompt to run on ComfyUI');
        const waiting = nextEvent<Job>(
          (listener) => {
            t.lab.events.on('job.updated', listener);
            return () => t.lab.events.off('job.updated', listener);
          },
          (job) => job.id === body.id && job.status === 'QUEUED' && job.stage === WAITING,
          'the job to wait for the backend again',
        );
        await comfy.stop();
        const back = await waiting;
        assert.equal(back.attempts, 0, 'the attempt is given back');
        assert.equal(back.errorCode, 'COMFY_UNREACHABLE', 'what happened is kept');
        comfy.timing.hold = [];
        await comfy.start();
        const done = await waitForStatus(t, body.id, ['SUCCEEDED', 'FAILED'], 30_000);
        assert.equal(done.status, 'SUCCEEDED', `${done.errorCode}: ${done.errorMessage}`);
        assert.equal(done.attempts, 1);
        const types = await eventTypes(t, body.id);
        assert.deepEqual(types.filter((type) => type === 'claimed' || type === 'waiting'), ['claimed', 'waiting', 'claimed']);
      });
    });

    describe('a backend that comes up later', () => {
      let t: TestLab;
      let comfy: FakeComfy;
      before(async () => {
        comfy = await startFakeComfy();
        await comfy.stop(); // configured, but down: connection refused
        t = await startTestLab({
          db: await target.create(),
          // A limit shorter than the wait below: waiting QUEUED is not run time.
          timeouts: { generate: '3s' },
          comfy: { backends: [{ name: 'gpu', url: comfy.url }], healthIntervalMs: 100 },
        });
      });
      after(async () => {
        await t?.close();
        await comfy?.close();
      });

      it('says which backend does not answer, keeps the job waiting past its time limit, then runs it when the backend answers', async () => {
        const { body: kinds } = await t.json<KindList>('/kinds');
        const generate = kinds.items.find((k) => k.kind === 'generate');
        assert.equal(generate?.available, false);
        assert.match(generate?.reason ?? '', new RegExp(`No ComfyUI backend answers \\(gpu \\(${comfy.url.replace(/[.]/g, '\\.')}\\)`));
        assert.match(generate?.fix ?? '', /COMFYUI_URL/);

        const { id, waiting } = await submitGenerate(t);
        const submittedAt = Date.now();
        await waiting;
        // Past the 3 s limit, counted by the pool's own health checks (every 100 ms), not a sleep.
        await waitFor(() => (t.lab.pipelines.backends?.() ?? []).some((b) => b.lastCheckedAt && Date.parse(b.lastCheckedAt) > submittedAt + 3_500), 'health checks past the limit', 10_000);
        const { body: still } = await t.json<JobDetail>(`/jobs/${id}`);
        assert.deepEqual([still.status, still.stage, still.attempts], ['QUEUED', WAITING, 0]);

        await comfy.start();
        const done = await waitForStatus(t, id, ['SUCCEEDED', 'FAILED'], 30_000);
        assert.equal(done.status, 'SUCCEEDED', `${done.errorCode}: ${done.errorMessage}`);
        assert.equal(done.attempts, 1, 'the wait spent no attempt');
        assert.deepEqual((await eventTypes(t, id)).filter((type) => type === 'claimed'), ['claimed']);
        const after = (await t.json<KindList>('/kinds')).body.items.find((k) => k.kind === 'generate');
        assert.deepEqual([after?.available, after?.reason], [true, undefined]);
      });
    });
  });
}
