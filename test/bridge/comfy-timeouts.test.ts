// ComfyUI jobs that run past their limit, through the whole lab against the fake ComfyUI: the
// prompt is interrupted while it runs, or deleted from the queue while it waits, and the job fails
// with TIMEOUT. A preset's manifest `timeout` overrides the kind's limit.
import { strict as assert } from 'node:assert';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditEvent, JobDetail } from '../../contract/job.js';
import type { Items } from '../../contract/pages.js';
import type { PresetList, PresetSummary } from '../../contract/presets.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import { REPO_ROOT, tempDir } from '../support/files.js';
import { startTestLab, waitForStatus, type TestLab } from '../support/lab.js';
import { waitFor } from '../support/wait.js';

/** A quick txt2img: its KSampler is the node the fake holds. */
const SMALL = { width: 256, height: 256, steps: 2 };

describe('timeouts: ComfyUI jobs', function () {
  this.timeout(60_000);
  let comfy: FakeComfy;
  let t: TestLab;

  before(async () => {
    comfy = await startFakeComfy();
    // The shipped presets, plus one whose manifest sets its own limit.
    const presetsDir = tempDir('timeout-presets-');
    await cp(join(REPO_ROOT, 'comfy-workflows'), presetsDir, { recursive: true });
    await cp(join(presetsDir, 'txt2img'), join(presetsDir, 'quick-txt2img'), { recursive: true });
    const manifestPath = join(presetsDir, 'quick-txt2img', 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>;
    await writeFile(manifestPath, JSON.stringify({ ...manifest, name: 'quick-txt2img', timeout: '250ms' }));
    t = await startTestLab({
      timeouts: { generate: 300 },
      comfy: { backends: [{ name: 'gpu', url: comfy.url }], presetsDir, cancelWaitMs: 5_000 },
    });
    // One job to the end first (music: a 20 min limit), so the pool knows the backend and its
    // catalog: the generate jobs below reach ComfyUI well within their few hundred ms.
    const warm = await finished(await submit({ workflow: 'music', params: { duration: 1, steps: 1 } }));
    assert.equal(warm.status, 'SUCCEEDED', JSON.stringify(warm));
    comfy.timing.hold = ['KSampler'];
  });
  after(async () => {
    await t?.close();
    await comfy?.close();
  });
  afterEach(() => {
    comfy.timing.hold = ['KSampler'];
  });

  async function submit(body: Record<string, unknown>): Promise<string> {
    const { status, body: answer } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ maxAttempts: 1, ...body }) });
    assert.equal(status, 202, JSON.stringify(answer));
    return answer.id;
  }
  const finished = (id: string) => waitForStatus(t, id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 30_000);
  const lastEvent = async (id: string) => (await t.json<Items<AuditEvent>>(`/jobs/${id}/events`)).body.items.at(-1) as AuditEvent;
  async function promptIdOf(id: string): Promise<string | undefined> {
    const row = (await t.knex('media_jobs').where({ id }).first()) as { checkpoint: string | null };
    return (JSON.parse(row.checkpoint ?? '{}') as { promptId?: string }).promptId;
  }

  /**
   * Runs generate jobs until one times out after its prompt reached ComfyUI (on a loaded machine
   * the limit may pass before the prompt is submitted: that job still fails with TIMEOUT and
   * leaves nothing on the server, and the next one tries again).
   */
  async function timedOutOnServer(): Promise<{ job: JobDetail; id: string; promptId: string }> {
    for (let tries = 0; ; tries++) {
      const id = await submit({ workflow: 'generate', preset: { name: 'txt2img' }, params: SMALL });
      const job = await finished(id);
      assert.equal(job.status, 'FAILED', JSON.stringify(job));
      assert.equal(job.errorCode, 'TIMEOUT');
      const promptId = await promptIdOf(id);
      const queued = comfy.requests.some((r) => r.method === 'POST' && r.path === '/prompt' && (r.body as { prompt_id?: string } | undefined)?.prompt_id === promptId);
      if (promptId && queued) return { job, id, promptId };
      assert.ok(tries < 5, 'no job reached ComfyUI within its limit');
    }
  }

  it('interrupts a running prompt that never finishes and fails the job with TIMEOUT', async () => {
    const { job, id, promptId } = await timedOutOnServer();
    assert.match(job.errorMessage ?? '', new RegExp(`^Timed out after 300 ms: .*\\(timeouts\\.generate\\).*ComfyUI prompt ${promptId} on gpu interrupted`));
    assert.deepEqual(
      comfy.requests.filter((r) => r.path === '/interrupt').map((r) => r.body),
      [{ prompt_id: promptId }],
      'only this prompt was interrupted',
    );
    await waitFor(() => comfy.history(promptId), 'the interrupted prompt in the history');
    assert.ok(comfy.history(promptId)?.status.messages.some(([type]) => type === 'execution_interrupted'));
    assert.deepEqual((await lastEvent(id)).details.timeout, { limitMs: 300, source: 'timeouts.generate' });
    assert.deepEqual(comfy.queue(), { queue_running: [], queue_pending: [] }, 'nothing left on the server');
  });

  it("deletes a prompt still waiting in ComfyUI's queue, leaving the prompt ahead of it alone", async () => {
    // A prompt of someone else's holds the server; ours waits behind it until its limit passes.
    comfy.timing.hold = ['ImageInvert'];
    const busy = await fetch(`${comfy.url}/prompt`, {
      method: 'POST',
      body: JSON.stringify({
        prompt: {
          '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 5 } },
          '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
          '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'busy' } },
        },
      }),
    });
    const busyId = ((await busy.json()) as { prompt_id: string }).prompt_id;
    const before = comfy.requests.length;

    const { job, promptId } = await timedOutOnServer();
    const ours = comfy.requests.slice(before);
    assert.deepEqual(ours.find((r) => r.method === 'POST' && r.path === '/queue')?.body, { delete: [promptId] });
    assert.match(job.errorMessage ?? '', new RegExp(`ComfyUI prompt ${promptId} on gpu removed from the queue`));
    assert.equal(ours.some((r) => r.path === '/interrupt'), false, 'the running prompt (not ours) was not interrupted');
    assert.equal(comfy.queue().queue_running[0]?.[1], busyId, 'the other prompt still runs');

    comfy.timing.hold = [];
    await waitFor(() => comfy.history(busyId), 'the other prompt finished');
    assert.equal(comfy.history(busyId)?.status.status_str, 'success');
    assert.equal(comfy.history(promptId), undefined, 'ours never ran');
  });

  it("a preset manifest's timeout overrides the kind's limit", async () => {
    // generate's limit is 300 ms here; the preset's manifest says 250 ms, and that one applies.
    const id = await submit({ workflow: 'generate', preset: { name: 'quick-txt2img' }, params: SMALL });
    const job = await finished(id);
    assert.equal(job.status, 'FAILED', JSON.stringify(job));
    assert.equal(job.errorCode, 'TIMEOUT');
    assert.deepEqual(job.preset && [job.preset.name, job.preset.version], ['quick-txt2img', 1]);
    assert.deepEqual((await lastEvent(id)).details.timeout, { limitMs: 250, source: 'preset "quick-txt2img" v1' });
    assert.match(job.errorMessage ?? '', /^Timed out after 250 ms: the attempt ran past its limit \(preset "quick-txt2img" v1\)/);
  });

  it('GET /presets shows a preset\'s own limit; POST /presets takes one ("0": none) or names a bad one', async () => {
    const { body } = await t.json<PresetList>('/presets');
    assert.equal(body.presets.find((p) => p.name === 'quick-txt2img')?.timeout, 250);
    assert.equal('timeout' in (body.presets.find((p) => p.name === 'txt2img') ?? {}), false, 'no timeout of its own: the kind\'s applies');

    const folder = join(REPO_ROOT, 'comfy-workflows', 'txt2img');
    const manifest = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    const workflow = JSON.parse(await readFile(join(folder, 'workflow.json'), 'utf8')) as unknown;
    const publish = (timeout: unknown) =>
      t.json<PresetSummary & { errors?: Array<{ field: string; message: string }> }>('/presets', {
        method: 'POST',
        body: JSON.stringify({ ...manifest, name: 'posted-txt2img', workflow, timeout }),
      });
    const limited = await publish('2m');
    assert.equal(limited.status, 201, JSON.stringify(limited.body));
    assert.equal(limited.body.timeout, 120_000);
    const unlimited = await publish(0);
    assert.deepEqual([unlimited.status, unlimited.body.version, unlimited.body.timeout], [201, 2, null], 'a new version without a limit');
    const bad = await publish('a while');
    assert.equal(bad.status, 422);
    assert.equal(bad.body.errors?.[0].field, 'timeout');
  });
});
