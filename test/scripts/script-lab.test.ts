// Script presets through a whole lab over HTTP: GET /presets lists them with their options,
// jobs run through the worker into published artifacts, a failing script fails the job
// SCRIPT_FAILED with its output tail, a cancel over HTTP stops it, and GET /kinds and GET
// /health say whether scripts can run here (a lab without Python starts and says why).
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import type { JobDetail } from '../../contract/job.js';
import type { KindList } from '../../contract/kinds.js';
import type { PresetList } from '../../contract/presets.js';
import type { Job } from '../../plugin/core/types.js';
import { startTestLab, waitForStatus, type TestLab } from '../support/lab.js';
import { waitFor } from '../support/wait.js';
import { SCRIPT_PRESETS, STAND_IN_COMFYUI, strayFilesInComfyUI } from './support.js';

describe('script presets in a lab (HTTP, worker)', function () {
  this.timeout(90_000);
  let t: TestLab;

  before(async () => {
    t = await startTestLab({
      comfy: { presetsDir: SCRIPT_PRESETS },
      scripts: { python: 'python3', comfyuiDirectory: STAND_IN_COMFYUI, concurrency: 2, killGraceMs: 500 },
      retry: { maxAttempts: 1, backoffBaseMs: 50, backoffMaxMs: 200 },
    });
  });
  after(async () => {
    await t?.close();
    assert.deepEqual(strayFilesInComfyUI(), []);
  });

  it('GET /presets lists script presets with their script and the option each parameter sets', async () => {
    const { status, body } = await t.json<PresetList>('/presets');
    assert.equal(status, 200);
    const tone = body.presets.find((p) => p.name === 'tone');
    assert.equal(tone?.kind, 'music');
    assert.deepEqual(tone?.script?.file, 'script.py');
    assert.deepEqual(tone?.script?.options.slice(0, 3), ['--duration1', '--sample_rate2', '--channels3']);
    assert.deepEqual(
      tone?.parameters.map((p) => [p.name, p.option]),
      [
        ['duration', '--duration1'],
        ['sample_rate', '--sample_rate2'],
      ],
    );
    assert.equal(tone?.timeout, 120_000);
  });

  it('GET /kinds and GET /health say script presets can run here', async () => {
    const kinds = (await t.json<KindList>('/kinds')).body;
    const music = kinds.items.find((k) => k.kind === 'music');
    assert.deepEqual(
      music?.presets?.map((p) => [p.preset, p.available, p.engine]),
      [['tone', true, 'script']],
    );
    const health = (await t.json<{ scripts: { available: boolean; pythonVersion: string; concurrency: number } }>('/health')).body;
    assert.equal(health.scripts.available, true);
    assert.match(health.scripts.pythonVersion, /^3\.\d+/);
    assert.equal(health.scripts.concurrency, 2);
  });

  it('a music job with a script preset succeeds with a published audio artifact carrying the script facts', async () => {
    const { status, body } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'music', preset: { name: 'tone' }, params: { duration: 0.75 } }) });
    assert.equal(status, 202);
    const job = await waitForStatus(t, body.id, ['SUCCEEDED', 'FAILED']);
    assert.equal(job.status, 'SUCCEEDED', job.errorMessage ?? '');
    assert.equal(job.outputs.length, 1);
    const [out] = job.outputs;
    assert.equal(out.kind, 'audio');
    assert.ok(Math.abs((out.duration ?? 0) - 0.75) < 0.01);
    const script = out.metadata.script as Record<string, unknown>;
    assert.deepEqual([script.name, script.version, script.exitCode, script.hash], ['tone', 1, 0, job.preset?.hash]);
    const events = (await t.json<{ items: Array<{ type: string; details: Record<string, unknown> }> }>(`/jobs/${body.id}/events`)).body.items;
    const succeeded = events.find((e) => e.type === 'succeeded');
    assert.equal((succeeded?.details.script as Record<string, unknown>).exitCode, 0);
  });

  it('a failing script fails the job SCRIPT_FAILED with the tail of its output in the message and the log tail', async () => {
    const { body } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'generate', preset: { name: 'behave' }, params: { mode: 'fail' } }) });
    const job = await waitForStatus(t, body.id, ['SUCCEEDED', 'FAILED']);
    assert.equal(job.status, 'FAILED');
    assert.equal(job.errorCode, 'SCRIPT_FAILED');
    assert.match(job.errorMessage ?? '', /exited with code 1: RuntimeError: TestBehaviour was told to fail/);
    const events = (await t.json<{ items: Array<{ type: string; details: Record<string, unknown> }> }>(`/jobs/${body.id}/events`)).body.items;
    const failed = events.find((e) => e.type === 'failed');
    assert.ok((failed?.details.logTail as string[]).some((l) => /Traceback/.test(l)));
  });

  it('a cancel over HTTP stops the running script: CANCELLED, no outputs', async () => {
    const { body } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'generate', preset: { name: 'behave' }, params: { mode: 'sleep', seconds: 60 } }) });
    await waitFor(async () => {
      const { body: job } = await t.json<JobDetail>(`/jobs/${body.id}`);
      return /^running \(/.test(job.stage ?? '') ? job : null;
    }, 'the script to run');
    const cancel = await t.fetch(`/jobs/${body.id}/cancel`, { method: 'POST' });
    assert.ok(cancel.status < 300, `cancel answered ${cancel.status}`);
    const job = await waitForStatus(t, body.id, ['CANCELLED', 'FAILED', 'SUCCEEDED']);
    assert.equal(job.status, 'CANCELLED');
    assert.equal(job.outputs.length, 0);
  });
});

describe('script presets in a lab whose Python is missing', function () {
  this.timeout(60_000);
  let t: TestLab;
  before(async () => {
    t = await startTestLab({
      comfy: { presetsDir: SCRIPT_PRESETS },
      scripts: { python: join(SCRIPT_PRESETS, 'no-such-python'), comfyuiDirectory: STAND_IN_COMFYUI },
      retry: { maxAttempts: 1, backoffBaseMs: 50, backoffMaxMs: 200 },
    });
  });
  after(async () => t?.close());

  it('starts, and GET /kinds and GET /health give the reason and the fix; a job waits QUEUED, spending no attempt', async () => {
    const kinds = (await t.json<KindList>('/kinds')).body;
    const tone = kinds.items.find((k) => k.kind === 'music')?.presets?.find((p) => p.preset === 'tone');
    assert.equal(tone?.available, false);
    assert.match(String(tone?.reason), /no-such-python" was not found/);
    assert.match(String((tone as Record<string, unknown>).fix), /scripts\.python/);
    const health = (await t.json<{ ok: boolean; scripts: { available: boolean; reason: string } }>('/health')).body;
    assert.equal(health.ok, true);
    assert.equal(health.scripts.available, false);
    assert.match(health.scripts.reason, /was not found/);
    // The kind says why nothing can run it (no ComfyUI backend, no runnable Python) ...
    const music = kinds.items.find((k) => k.kind === 'music');
    assert.equal(music?.available, false);
    assert.match(String(music?.reason), /Script presets cannot run either: .*no-such-python" was not found/);
    // ... and a job waits for the setup to be fixed instead of failing (a configuration problem pauses work).
    const seen: Job[] = [];
    const listener = (job: Job) => void seen.push(job);
    t.lab.events.on('job.updated', listener);
    try {
      const { body } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'music', preset: { name: 'tone' } }) });
      await waitFor(() => seen.find((job) => job.id === body.id && job.stage?.startsWith('waiting for')), 'the job to be announced as waiting');
      const { body: job } = await t.json<JobDetail>(`/jobs/${body.id}`);
      assert.deepEqual([job.status, job.attempts, job.errorCode], ['QUEUED', 0, null]);
      assert.equal(job.stage, 'waiting for a ComfyUI backend or a runnable scripts setup');
    } finally {
      t.lab.events.off('job.updated', listener);
    }
  });
});
