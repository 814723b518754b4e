// Running chains through POST /jobs with real fast steps (enhance's Lanczos path, interpolate
// fast on a tiny ffmpeg-made clip) and test kinds where a step must fail or be slow: steps queued
// as their upstream succeeds, intermediates, the chain's outputs, reuse without new files, a
// failed step failing the chain (downstream "upstream failed"), retry resuming, cancel.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { JobDetail, Job, AuditEvent } from '../../contract/job.js';
import type { Artifact } from '../../contract/artifact.js';
import { DATABASES } from '../support/db.js';
import { ffmpeg } from '../support/ffmpeg.js';
import { tempDir } from '../support/files.js';
import { steppingKind } from '../support/kinds.js';
import { ADMIN, startTestLab, uploadBytes, waitFor, type TestLab } from '../support/lab.js';

interface Problem {
  status: number;
  code: string;
  errors: Array<{ field: string; message: string }>;
}

async function uploadPng(t: TestLab, shade: number): Promise<string> {
  const png = await sharp({ create: { width: 12, height: 10, channels: 3, background: { r: shade, g: 120, b: 30 } } }).png().toBuffer();
  return uploadBytes(t, png, `p${shade}.png`);
}

async function submitChain(t: TestLab, body: Record<string, unknown>) {
  return t.json<{ id: string; status: string; job: Job } & Problem>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'chain', ...body }) });
}

async function publish(t: TestLab, body: Record<string, unknown>): Promise<void> {
  const res = await t.json('/chains', { method: 'POST', body: JSON.stringify(body) });
  assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
}

async function finished(t: TestLab, id: string): Promise<JobDetail> {
  return waitFor(async () => {
    const { body } = await t.json<JobDetail>(`/jobs/${id}`);
    return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(body.status) ? body : null;
  }, `chain ${id} to end`, 60_000);
}

async function stepsOf(t: TestLab, chainId: string): Promise<Record<string, JobDetail>> {
  const { body } = await t.json<{ items: Job[] }>(`/jobs?parentJobId=${chainId}`);
  const out: Record<string, JobDetail> = {};
  for (const job of body.items) out[job.stepId as string] = (await t.json<JobDetail>(`/jobs/${job.id}`)).body;
  return out;
}

async function objectFiles(t: TestLab): Promise<number> {
  const root = join(t.dataDir, 'artifacts', 'objects');
  const walk = async (dir: string): Promise<number> => {
    let n = 0;
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) n += entry.isDirectory() ? await walk(join(dir, entry.name)) : 1;
    return n;
  };
  return walk(root);
}

const fanOut = {
  inputs: [{ name: 'photo', type: 'image' }, { name: 'factor', type: 'integer', default: 2 }],
  steps: [
    { id: 'base', workflow: 'enhance', params: { qualityPreset: 'fast', scale: 2 }, inputs: { image: { from: 'inputs.photo' } } },
    { id: 'big', workflow: 'enhance', params: { qualityPreset: 'fast', scale: { from: 'inputs.factor' } }, inputs: { image: { from: 'base.output' } } },
    { id: 'bigger', workflow: 'enhance', params: { qualityPreset: 'fast', scale: 4 }, inputs: { image: { from: 'base.output' } } },
  ],
};

for (const target of DATABASES) {
  target.describe(`running chains on ${target.name}`, function () {
    this.timeout(120_000);
    let t: TestLab;

    before(async () => {
      t = await startTestLab({
        db: await target.create(),
        kinds: [steppingKind('voice')],
        quotas: { maxActiveJobsPerUser: 100, maxSubmissionsPerDay: 10_000 },
        lanes: { enhance: 2 },
      });
      await publish(t, { name: 'fan-out', ...fanOut });
    });
    after(async () => t.close());

    it('runs each step as a job once its upstream succeeded; inner outputs are intermediates, the last steps\' are the chain\'s', async () => {
      const photo = await uploadPng(t, 10);
      const res = await submitChain(t, { preset: { name: 'fan-out' }, inputs: [photo], params: { factor: 3 } });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.body.job.workflow, 'chain');
      assert.deepEqual(res.body.job.preset && { name: res.body.job.preset.name, version: res.body.job.preset.version }, { name: 'fan-out', version: 1 });
      const chain = await finished(t, res.body.id);
      assert.equal(chain.status, 'SUCCEEDED', `${chain.errorCode}: ${chain.errorMessage}`);
      assert.equal(chain.progress, 1);

      const steps = await stepsOf(t, chain.id);
      assert.deepEqual(Object.keys(steps).sort(), ['base', 'big', 'bigger']);
      for (const step of Object.values(steps)) {
        assert.equal(step.status, 'SUCCEEDED');
        assert.equal(step.parentJobId, chain.id);
        assert.equal(step.reusedFromJobId, null);
      }
      const [base] = steps.base.outputs;
      assert.equal(base.role, 'intermediate');
      assert.equal(base.width, 24);
      assert.deepEqual([base.metadata.chainJobId, base.metadata.stepId], [chain.id, 'base']);
      assert.deepEqual(steps.big.inputIds, [base.id], 'the downstream step took the upstream output');
      assert.equal(steps.big.params.scale, 3, 'a param from a chain input');
      assert.equal(steps.big.outputs[0].role, 'output');

      // The downstream steps were released only after base succeeded.
      const baseEnd = new Date(steps.base.finishedAt as string).getTime();
      for (const id of ['big', 'bigger']) {
        const { body } = await t.json<{ items: AuditEvent[] }>(`/jobs/${steps[id].id}/events`);
        const released = body.items.find((e) => e.type === 'released');
        assert.ok(released && new Date(released.at).getTime() >= baseEnd, `${id} released after base finished`);
      }

      assert.deepEqual(chain.outputs.map((o) => o.width).sort(), [72, 96], "the chain's outputs are its last steps' outputs");
      assert.ok(chain.outputs.every((o) => o.role === 'output' && o.metadata.chainJobId === chain.id));

      const intermediates = await t.json<{ items: Artifact[] }>(`/artifacts?role=intermediate&jobId=${steps.base.id}`);
      assert.deepEqual(intermediates.body.items.map((a) => a.id), [base.id], 'an intermediate is in the gallery listing');
    });

    it('reuses the outputs of identical earlier runs: a resubmitted chain runs nothing and writes no file', async () => {
      const photo = await uploadPng(t, 40);
      const first = await finished(t, (await submitChain(t, { preset: 'fan-out', params: { photo } })).body.id);
      assert.equal(first.status, 'SUCCEEDED');
      const firstSteps = await stepsOf(t, first.id);
      const files = await objectFiles(t);

      const again = await submitChain(t, { preset: 'fan-out', params: { photo } });
      assert.equal(again.status, 202);
      assert.equal(again.body.status, 'SUCCEEDED', 'every step was reusable: the chain ended before the answer');
      const second = (await t.json<JobDetail>(`/jobs/${again.body.id}`)).body;
      const secondSteps = await stepsOf(t, second.id);
      for (const id of ['base', 'big', 'bigger']) {
        assert.equal(secondSteps[id].reusedFromJobId, firstSteps[id].id, `${id} reused the first run`);
        assert.equal(secondSteps[id].attempts, 0, `${id} never ran`);
        assert.deepEqual(secondSteps[id].outputs.map((o) => o.sha256), firstSteps[id].outputs.map((o) => o.sha256));
        assert.equal(secondSteps[id].outputs[0].metadata.reusedFrom, firstSteps[id].outputs[0].id);
        assert.equal(secondSteps[id].outputs[0].jobId, secondSteps[id].id, 'the reused artifact links to its step job');
      }
      assert.deepEqual(secondSteps.big.inputIds, [secondSteps.base.outputs[0].id]);
      assert.equal(await objectFiles(t), files, 'no new file');
      const events = (await t.json<{ items: AuditEvent[] }>(`/jobs/${secondSteps.base.id}/events`)).body.items;
      assert.ok(events.some((e) => e.type === 'reused' && e.to === 'SUCCEEDED' && e.details.reusedFrom === firstSteps.base.id));

      // Another param: the steps from there on run again; the step before it is reused.
      const third = await finished(t, (await submitChain(t, { preset: 'fan-out', params: { photo, factor: 3 } })).body.id);
      const thirdSteps = await stepsOf(t, third.id);
      assert.equal(thirdSteps.base.reusedFromJobId, firstSteps.base.id);
      assert.equal(thirdSteps.big.reusedFromJobId, null);
      assert.equal(thirdSteps.big.attempts, 1);

      // The programmatic API runs a draft definition in the lane it is given (the workbench's).
      const draft = await t.lab.chains.run({ id: 'admin', roles: ['admin'] }, { definition: fanOut, params: { photo }, steps: ['base'] }, { lane: 'workbench' });
      const draftSteps = await stepsOf(t, draft.id);
      assert.deepEqual(Object.keys(draftSteps), ['base'], 'run to here: only the step asked and what it needs');
      assert.equal(draftSteps.base.lane, 'workbench');
      assert.equal(draft.status, 'SUCCEEDED');
    });

    it('a failed step fails the chain and cancels what depends on it; retry resumes from it and keeps finished steps', async () => {
      const photo = await uploadPng(t, 70);
      const definition = {
        name: 'flaky',
        inputs: [{ name: 'photo', type: 'image' }],
        steps: [
          { id: 'prep', workflow: 'enhance', params: { qualityPreset: 'fast' }, inputs: { image: { from: 'inputs.photo' } } },
          { id: 'flaky', workflow: 'voice', params: { failWith: 'permanent', failTimes: 1 }, inputs: { x: { from: 'prep.output' } } },
          { id: 'after', workflow: 'voice', params: {}, inputs: { x: { from: 'flaky.output' } } },
          { id: 'aside', workflow: 'enhance', params: { qualityPreset: 'fast', scale: 3 }, inputs: { image: { from: 'inputs.photo' } } },
        ],
      };
      await publish(t, definition);
      const failed = await finished(t, (await submitChain(t, { preset: 'flaky', params: { photo } })).body.id);
      assert.equal(failed.status, 'FAILED');
      assert.equal(failed.errorCode, 'EXECUTOR_FAILED');
      assert.match(failed.errorMessage ?? '', /step "flaky" failed: planned permanent failure/);
      let steps = await stepsOf(t, failed.id);
      assert.equal(steps.after.status, 'CANCELLED');
      assert.equal(steps.after.errorCode, 'UPSTREAM_FAILED');
      assert.match(steps.after.errorMessage ?? '', /upstream failed/);
      assert.equal(steps.after.attempts, 0, 'it never ran');
      assert.equal(steps.prep.status, 'SUCCEEDED');
      assert.equal(steps.aside.status, 'SUCCEEDED', 'an independent branch finishes');
      const prepBefore = steps.prep;

      const retried = await t.json<Job>(`/jobs/${failed.id}/retry`, { method: 'POST' });
      assert.equal(retried.status, 202);
      const done = await finished(t, failed.id);
      assert.equal(done.status, 'SUCCEEDED', `${done.errorCode}: ${done.errorMessage}`);
      steps = await stepsOf(t, failed.id);
      assert.equal(steps.prep.attempts, 1);
      assert.equal(steps.prep.finishedAt, prepBefore.finishedAt, 'a finished step is kept, not rerun');
      assert.deepEqual(steps.prep.outputs.map((o) => o.id), prepBefore.outputs.map((o) => o.id));
      assert.equal(steps.flaky.status, 'SUCCEEDED');
      assert.equal(steps.after.status, 'SUCCEEDED');
      const retryEvents = (await t.json<{ items: AuditEvent[] }>(`/jobs/${failed.id}/events`)).body.items.map((e) => e.type);
      assert.deepEqual(retryEvents.filter((e) => e !== 'submitted'), ['started', 'failed', 'retried', 'started', 'succeeded']);
    });

    it('cancel stops the running step and cancels the pending ones', async () => {
      const definition = {
        name: 'slow',
        steps: [
          { id: 'long', workflow: 'voice', params: { steps: 500, stepMs: 20 } },
          { id: 'next', workflow: 'voice', params: {}, inputs: { x: { from: 'long.output' } } },
        ],
      };
      await publish(t, definition);
      const { body } = await submitChain(t, { preset: 'slow' });
      await waitFor(async () => (await stepsOf(t, body.id)).long.status === 'RUNNING', 'the first step to run');
      // Progress: the steps' progress weighted by kind (two voice steps: the first counts half).
      const running = await waitFor(async () => {
        const chain = (await t.json<Job>(`/jobs/${body.id}`)).body;
        return chain.progress > 0.05 ? chain : null;
      }, 'the chain to report progress');
      assert.ok(running.progress <= 0.5, `the first of two equal steps is at most half the chain (${running.progress})`);
      assert.match(running.stage ?? '', /0 of 2 steps done; running long/);
      const cancel = await t.json<Job>(`/jobs/${body.id}/cancel`, { method: 'POST' });
      assert.ok(cancel.status === 202 || cancel.status === 200);
      const chain = await finished(t, body.id);
      assert.equal(chain.status, 'CANCELLED');
      const steps = await stepsOf(t, body.id);
      assert.equal(steps.long.status, 'CANCELLED');
      assert.ok(steps.long.progress < 1, 'stopped mid-run');
      assert.equal(steps.next.status, 'CANCELLED');
      assert.equal(steps.next.attempts, 0);
      const again = await t.json<Problem>(`/jobs/${body.id}/cancel`, { method: 'POST' });
      assert.equal(again.status, 409);
      assert.equal(again.body.code, 'ILLEGAL_TRANSITION');
    });

    it('interpolates a tiny ffmpeg-made clip in a chain (video in, video out)', async () => {
      const dir = tempDir('media-lab-chain-clip-');
      const clip = join(dir, 'clip.mp4');
      await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=64x36:rate=30', '-t', '0.5', '-pix_fmt', 'yuv420p', '-y', clip]);
      const { readFile } = await import('node:fs/promises');
      const video = await uploadBytes(t, await readFile(clip), 'clip.mp4');
      await publish(t, {
        name: 'smooth',
        inputs: [{ name: 'clip', type: 'video' }],
        steps: [{ id: 'smooth', workflow: 'interpolate', params: { targetFps: 60, mode: 'fast' }, inputs: { video: { from: 'inputs.clip' } } }],
      });
      const chain = await finished(t, (await submitChain(t, { preset: 'smooth', inputs: [video] })).body.id);
      assert.equal(chain.status, 'SUCCEEDED', `${chain.errorCode}: ${chain.errorMessage}`);
      assert.equal(chain.outputs.length, 1);
      assert.equal(chain.outputs[0].kind, 'video');
      assert.equal(Math.round(chain.outputs[0].fps ?? 0), 60);
    });

    it('answers 422 naming the field for a bad chain submission', async () => {
      const photo = await uploadPng(t, 100);
      const unknown = await submitChain(t, { preset: { name: 'no-such-chain' } });
      assert.equal(unknown.status, 422);
      assert.deepEqual(unknown.body.errors.map((e) => e.field), ['preset.name']);

      const missing = await submitChain(t, { preset: 'fan-out', params: { colour: 'red' } });
      assert.equal(missing.status, 422);
      assert.deepEqual(missing.body.errors.map((e) => e.field).sort(), ['params.colour', 'params.photo']);

      const video = await submitChain(t, { preset: 'fan-out', inputs: [photo, photo] });
      assert.equal(video.status, 422);
      assert.deepEqual(video.body.errors.map((e) => e.field), ['inputs[1]']);

      const badScale = await submitChain(t, { preset: 'fan-out', params: { photo, factor: 5 } });
      assert.equal(badScale.status, 422);
      assert.deepEqual(badScale.body.errors.map((e) => e.field), ['steps[1].params.scale']);
      assert.match(badScale.body.errors[0].message, /2, 3 or 4/);

      // Idempotency-Key: the same body replays the chain job; another body is refused.
      const keyed = (params: Record<string, unknown>) =>
        t.json<{ id: string } & Problem>('/jobs', { method: 'POST', headers: { 'Idempotency-Key': `chain-${target.name}` }, body: JSON.stringify({ workflow: 'chain', preset: 'fan-out', params }) });
      const once = await keyed({ photo });
      const twice = await keyed({ photo });
      assert.equal(once.status, 202);
      assert.equal(twice.body.id, once.body.id);
      assert.equal(twice.res.headers.get('Idempotent-Replayed'), 'true');
      const other = await keyed({ photo, factor: 3 });
      assert.equal(other.status, 422);
      assert.equal(other.body.code, 'IDEMPOTENCY_KEY_REUSED');

      const notAdmin = await t.json<Problem>('/jobs', { method: 'POST', token: null, body: JSON.stringify({ workflow: 'chain', preset: 'fan-out' }) });
      assert.equal(notAdmin.status, 401);
      void ADMIN;
    });
  });
}
