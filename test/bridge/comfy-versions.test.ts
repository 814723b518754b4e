// The two ComfyUI dialects: v0.3.64 (recorded; /queue + /history + /interrupt) and 0.33.x (the
// jobs API, canonical-UUID prompt ids, missing_node_type). The fake speaks each; the client and
// the pool are run against both, and use the jobs API only where the server has it.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { ComfyClient } from '../../bridge/client/comfy-client.js';
import { ComfyRejectedError } from '../../bridge/errors.js';
import { comfyOptionsSchema } from '../../bridge/options.js';
import { BackendPool } from '../../bridge/pool/backend-pool.js';
import type { ApiWorkflow } from '../../bridge/types.js';
import { NEWEST_VERSION, RECORDED_VERSION, startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import { startTestLab } from '../support/lab.js';
import { waitFor } from '../support/wait.js';
import { HAPPY } from './workflows.js';

const FAST = { reconnect: { baseMs: 20, maxMs: 200, giveUpAfterMs: 1_500 }, watchdogMs: 400, pollWhileDisconnectedMs: 100, historyRetryDelaysMs: [20, 50, 100] };

function happy(prefix: string): ApiWorkflow {
  const wf = structuredClone(HAPPY) as unknown as ApiWorkflow;
  wf['5'].inputs.filename_prefix = prefix;
  return wf;
}

function slowChain(color: number): ApiWorkflow {
  return {
    '1': { class_type: 'EmptyImage', inputs: { width: 16, height: 16, batch_size: 1, color } },
    '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
    '3': { class_type: 'ImageInvert', inputs: { image: ['2', 0] } },
    '4': { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: `slow${color}` } },
  };
}

const failing: ApiWorkflow = {
  '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 2, color: 0 } },
  '2': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 3, color: 0 } },
  '3': { class_type: 'ImageBlend', inputs: { image1: ['1', 0], image2: ['2', 0], blend_factor: 0.5, blend_mode: 'normal' } },
  '4': { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'x' } },
};

async function post(comfy: FakeComfy, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${comfy.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function get(comfy: FakeComfy, path: string): Promise<{ status: number; body: Record<string, unknown> | null; type: string }> {
  const response = await fetch(`${comfy.url}${path}`);
  const text = await response.text();
  let body: Record<string, unknown> | null = null;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = null;
  }
  return { status: response.status, body, type: response.headers.get('content-type') ?? '' };
}

describe('fake ComfyUI dialects', function () {
  this.timeout(20_000);
  let comfy: FakeComfy;
  afterEach(async () => comfy?.close());

  it('v0.3.64 (default): no jobs API, any prompt_id, an unknown node is invalid_prompt', async () => {
    comfy = await startFakeComfy();
    const stats = await get(comfy, '/system_stats');
    assert.equal((stats.body?.system as { comfyui_version: string }).comfyui_version, RECORDED_VERSION);
    const jobs = await get(comfy, '/api/jobs');
    assert.equal(jobs.status, 404);
    assert.match(jobs.type, /text\/plain/);
    const own = await post(comfy, '/prompt', { prompt: happy('own'), prompt_id: 'my-own-id-0001' });
    assert.equal(own.status, 200);
    assert.equal(own.body.prompt_id, 'my-own-id-0001');
    const unknown = await post(comfy, '/prompt', { prompt: { '1': { class_type: 'NoSuchNode', inputs: {} } } });
    assert.equal(unknown.status, 400);
    assert.equal((unknown.body.error as { type: string }).type, 'invalid_prompt');
  });

  it('0.33.x: reports its version, refuses a prompt_id that is not a canonical UUID, names an unknown node missing_node_type', async () => {
    comfy = await startFakeComfy({ version: NEWEST_VERSION });
    const stats = await get(comfy, '/system_stats');
    assert.equal((stats.body?.system as { comfyui_version: string }).comfyui_version, NEWEST_VERSION);
    for (const bad of ['my-own-id-0001', randomUUID().toUpperCase(), randomUUID().replaceAll('-', '')]) {
      const refused = await post(comfy, '/prompt', { prompt: happy('own'), prompt_id: bad });
      assert.equal(refused.status, 400, bad);
      assert.match((refused.body.error as { message: string }).message, /canonical UUID/);
    }
    const id = randomUUID();
    const accepted = await post(comfy, '/prompt', { prompt: happy('own'), prompt_id: id });
    assert.equal(accepted.body.prompt_id, id);
    const unknown = await post(comfy, '/prompt', { prompt: { '1': { class_type: 'NoSuchNode', inputs: {} } } });
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.body.error, { type: 'missing_node_type', message: 'Cannot execute because node NoSuchNode does not exist.', details: "Node ID '#1'", extra_info: {} });
  });

  it('0.33.x: the jobs API reports pending, in_progress, completed, failed and cancelled jobs, pages and filters them', async () => {
    comfy = await startFakeComfy({ version: NEWEST_VERSION, nodeDelayMs: 100 });
    const ok = randomUUID();
    const bad = randomUUID();
    const waiting = randomUUID();
    await post(comfy, '/prompt', { prompt: slowChain(1), prompt_id: ok });
    await post(comfy, '/prompt', { prompt: failing, prompt_id: bad });
    await post(comfy, '/prompt', { prompt: slowChain(2), prompt_id: waiting });
    assert.equal((await get(comfy, `/api/jobs/${ok}`)).body?.status, 'in_progress');
    assert.equal((await get(comfy, `/api/jobs/${waiting}`)).body?.status, 'pending');

    const cancelled = await post(comfy, `/api/jobs/${waiting}/cancel`, {});
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal(comfy.queue().queue_pending.some((item) => item[1] === waiting), false, 'a cancelled pending job leaves the queue');

    await waitFor(() => comfy.history(bad), 'the failing job to end');
    const done = await get(comfy, `/api/jobs/${ok}`);
    assert.equal(done.body?.status, 'completed');
    assert.deepEqual(done.body?.outputs, { '4': { images: [{ filename: 'slow1_00001_.png', subfolder: '', type: 'output' }] } });
    assert.equal(done.body?.outputs_count, 1);
    const failed = await get(comfy, `/api/jobs/${bad}`);
    assert.equal(failed.body?.status, 'failed');
    assert.equal((failed.body?.execution_error as { node_type: string }).node_type, 'ImageBlend');
    assert.equal((await get(comfy, `/api/jobs/${waiting}`)).body?.status, 'cancelled');

    const missing = await get(comfy, `/api/jobs/${randomUUID()}`);
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { error: 'Job not found' });
    assert.equal((await post(comfy, `/api/jobs/${randomUUID()}/cancel`, {})).status, 404);
    assert.equal((await post(comfy, `/api/jobs/${ok}/cancel`, {})).status, 409, 'a finished job cannot be cancelled');

    const page = await get(comfy, '/api/jobs?limit=2&offset=0');
    assert.deepEqual(page.body?.pagination, { offset: 0, limit: 2, total: 3, has_more: true });
    const onlyFailed = await get(comfy, '/api/jobs?status=failed,cancelled');
    assert.deepEqual((onlyFailed.body?.jobs as Array<{ id: string }>).map((j) => j.id).sort(), [bad, waiting].sort());
    assert.equal((await get(comfy, '/api/jobs?limit=abc')).status, 400);
  });

  it('0.33.x: cancelling a running job interrupts it and it ends cancelled', async () => {
    comfy = await startFakeComfy({ version: NEWEST_VERSION, hold: ['ImageInvert'] });
    const id = randomUUID();
    await post(comfy, '/prompt', { prompt: slowChain(3), prompt_id: id });
    await waitFor(() => comfy.queue().queue_running[0]?.[1] === id, 'running');
    const answer = await post(comfy, `/api/jobs/${id}/cancel`, {});
    assert.equal(answer.body.status, 'in_progress');
    await waitFor(() => comfy.history(id), 'the interrupted job in history');
    assert.equal((await get(comfy, `/api/jobs/${id}`)).body?.status, 'cancelled');
  });
});

for (const version of [RECORDED_VERSION, NEWEST_VERSION]) {
  const jobsApi = version === NEWEST_VERSION;
  describe(`ComfyClient against ComfyUI ${version}`, function () {
    this.timeout(20_000);
    let comfy: FakeComfy;
    let client: ComfyClient;
    beforeEach(async () => {
      comfy = await startFakeComfy({ version });
      client = new ComfyClient({ name: 'fake', url: comfy.url, ...FAST });
    });
    afterEach(async () => {
      client.close();
      await comfy.close();
    });
    const jobCalls = () => comfy.requests.filter((r) => r.path.startsWith('/jobs/'));
    const legacyCalls = () => comfy.requests.filter((r) => r.path === '/queue' || r.path.startsWith('/history/') || r.path === '/interrupt');

    it(`learns the version and ${jobsApi ? 'uses' : 'does without'} the jobs API`, async () => {
      const info = await client.describeServer();
      assert.deepEqual(info, { version, jobsApi });
      assert.deepEqual(client.server, { version, jobsApi });
    });

    it('runs a prompt to success and confirms it', async () => {
      const { outcome } = await client.run(happy('v'));
      assert.equal(outcome.status, 'success');
      assert.deepEqual(outcome.status === 'success' && outcome.outputs['5'], { images: [{ filename: 'v_00001_.png', subfolder: '', type: 'output' }] });
      if (jobsApi) {
        assert.ok(jobCalls().length > 0, 'confirmed through /api/jobs/{id}');
        assert.equal(legacyCalls().length, 0, 'no /queue or /history reads');
      } else {
        assert.ok(comfy.requests.some((r) => r.path.startsWith('/history/')));
        assert.equal(jobCalls().length, 0);
      }
    });

    it('reports a runtime failure with its node', async () => {
      const { outcome } = await client.run(failing);
      assert.equal(outcome.status, 'error');
      assert.equal(outcome.status === 'error' && outcome.failure.nodeType, 'ImageBlend');
    });

    it('locates a finished, a failed and an unknown prompt', async () => {
      const { promptId } = await client.run(happy('loc'));
      const located = await client.locate(promptId);
      assert.equal(located.state, 'finished');
      assert.equal(located.state === 'finished' && located.outcome.status, 'success');
      const { promptId: failedId } = await client.run(failing);
      const failedAt = await client.locate(failedId);
      assert.equal(failedAt.state === 'finished' && failedAt.outcome.status, 'error');
      const before = comfy.requests.length;
      assert.deepEqual(await client.locate(randomUUID()), { state: 'unknown' });
      const reads = comfy.requests.slice(before);
      // Without the jobs API, `{}` from /history is ambiguous and is re-read for the lag; with it, one 404 settles it.
      if (jobsApi) assert.equal(reads.length, 1);
      else assert.ok(reads.filter((r) => r.path.startsWith('/history/')).length > 1);
    });

    it('cancels its own pending prompt and its own running prompt by id', async () => {
      comfy.timing.hold = ['ImageInvert'];
      const runningId = randomUUID();
      const running = client.run(slowChain(5), { promptId: runningId });
      await waitFor(() => comfy.queue().queue_running[0]?.[1] === runningId, 'ours running');
      const pendingId = randomUUID();
      const pendingWatch = await client.watch(pendingId, { prompt: slowChain(6) });
      await client.submit(slowChain(6), { promptId: pendingId });
      pendingWatch.arm();
      assert.equal((await client.locate(pendingId)).state, 'pending');
      assert.equal(await client.cancel(pendingId), 'dequeued');
      assert.equal(comfy.queue().queue_pending.length, 0);
      assert.equal(await client.cancel(runningId), 'interrupted');
      const { outcome } = await running;
      assert.equal(outcome.status, 'interrupted');
      assert.equal(await client.cancel(randomUUID()), 'not-found');
      if (jobsApi) {
        const cancels = comfy.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel')).map((r) => r.path);
        assert.deepEqual(cancels.slice(0, 2), [`/jobs/${pendingId}/cancel`, `/jobs/${runningId}/cancel`]);
        assert.equal(cancels.length, 3);
        assert.equal(comfy.requests.some((r) => r.path === '/interrupt' || (r.path === '/queue' && r.method === 'POST')), false);
        // a pending prompt cancelled through the jobs API is known as cancelled, not lost
        const settled = await pendingWatch.outcome;
        assert.equal(settled.status, 'interrupted');
      } else {
        assert.ok(comfy.requests.some((r) => r.path === '/interrupt'));
        assert.ok(comfy.requests.some((r) => r.path === '/queue' && r.method === 'POST'));
        await assert.rejects(pendingWatch.outcome); // deleted prompts never reach history: lost
      }
    });

    it('refuses an unknown node as COMFY_VALIDATION whatever the dialect calls it', async () => {
      await assert.rejects(client.run({ '1': { class_type: 'NoSuchNode', inputs: {} } }), (error: unknown) => {
        assert.ok(error instanceof ComfyRejectedError);
        assert.equal(error.code, 'COMFY_VALIDATION');
        assert.match(error.message, /NoSuchNode/);
        return true;
      });
    });

    it('the pool records the version and the jobs API in its status', async () => {
      const pool = new BackendPool(comfyOptionsSchema.parse({ backends: [{ name: 'one', url: comfy.url }], healthIntervalMs: 60_000, requestTimeoutMs: 2_000 }));
      try {
        await pool.checkHealth();
        const [status] = pool.status();
        assert.equal(status.healthy, true);
        assert.equal(status.version, version);
        assert.equal(status.jobsApi, jobsApi);
      } finally {
        await pool.stop();
      }
    });
  });
}

describe('GET /health names each backend’s ComfyUI version', function () {
  this.timeout(30_000);
  it('one backend per dialect: version and jobs API side by side', async () => {
    const old = await startFakeComfy();
    const newest = await startFakeComfy({ version: NEWEST_VERSION });
    const t = await startTestLab({ comfy: { backends: [{ name: 'old', url: old.url }, { name: 'new', url: newest.url }], healthIntervalMs: 60_000 } });
    try {
      await t.lab.ready;
      const { status, body } = await t.json<{ comfy: { backends: Array<{ name: string; version: string | null; jobsApi: boolean | null }> } }>('/health');
      assert.equal(status, 200);
      const seen = Object.fromEntries(body.comfy.backends.map((b) => [b.name, [b.version, b.jobsApi]]));
      assert.deepEqual(seen, { old: [RECORDED_VERSION, false], new: [NEWEST_VERSION, true] });
      // The same lab's GET /presets offers the LoRA names of the backend a job would go to.
      const presets = (await t.json<{ presets: Array<{ name: string; parameters: Array<{ name: string; options?: string[] }> }> }>('/presets')).body.presets;
      const lora = presets.find((p) => p.name === 'character-blend')?.parameters.find((p) => p.name === 'lora_1');
      assert.deepEqual(lora?.options, ['detail_tweaker_xl.safetensors', 'watercolor_style.safetensors']);
    } finally {
      await t.close();
      await old.close();
      await newest.close();
    }
  });
});
