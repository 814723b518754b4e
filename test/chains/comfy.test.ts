// Chains with a ComfyUI step, on the protocol-faithful fake ComfyUI: the shipped txt2img-x2 chain
// (generate, then enhance) through POST /jobs, reused when resubmitted with the same seed (no
// second prompt reaches ComfyUI), and the prompt queue mapping image prompts to it.
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { JobDetail, Job } from '../../contract/job.js';
import { DATABASES } from '../support/db.js';
import { insertPrompts, promptRow, startQueueHarness, type QueueHarness } from '../support/prompt-queue-host.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import { startTestLab, waitFor, type TestLab } from '../support/lab.js';

const promptsSent = (comfy: FakeComfy) => comfy.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/prompt')).length;

for (const target of DATABASES) {
  target.describe(`chains with a ComfyUI step on ${target.name}`, function () {
    this.timeout(120_000);
    let comfy: FakeComfy;

    before(async () => {
      comfy = await startFakeComfy();
    });
    after(async () => comfy.close());

    it('runs generate then enhance, and a resubmit with the same seed reuses both steps', async () => {
      const t: TestLab = await startTestLab({ db: await target.create(), comfy: { backends: [{ name: 'fake-comfy', url: comfy.url }] } });
      try {
        const body = { workflow: 'chain', preset: { name: 'txt2img-x2' }, params: { prompt: 'a lighthouse keeper', seed: 42, width: 256, height: 256 } };
        const submitted = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify(body) });
        assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
        const chain = await waitFor(async () => {
          const detail = (await t.json<JobDetail>(`/jobs/${submitted.body.id}`)).body;
          return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(detail.status) ? detail : null;
        }, 'the chain to end', 60_000);
        assert.equal(chain.status, 'SUCCEEDED', `${chain.errorCode}: ${chain.errorMessage}`);
        const steps = Object.fromEntries((await t.json<{ items: Job[] }>(`/jobs?parentJobId=${chain.id}`)).body.items.map((s) => [s.stepId, s]));
        assert.equal(steps.generate.preset?.name, 'txt2img');
        assert.equal(steps.generate.params.seed, 42);
        const generated = (await t.json<JobDetail>(`/jobs/${steps.generate.id}`)).body.outputs;
        assert.equal(generated[0].role, 'intermediate');
        assert.equal(chain.outputs.length, 1);
        assert.equal(chain.outputs[0].width, (generated[0].width ?? 0) * 2, 'the chain output is the upscaled picture');
        const sent = promptsSent(comfy);

        const again = await t.json<{ id: string; status: string }>('/jobs', { method: 'POST', body: JSON.stringify(body) });
        assert.equal(again.body.status, 'SUCCEEDED', 'both steps reused at submit');
        assert.equal(promptsSent(comfy), sent, 'no prompt reached ComfyUI again');
        const reused = (await t.json<{ items: Job[] }>(`/jobs?parentJobId=${again.body.id}`)).body.items;
        assert.ok(reused.every((s) => s.reusedFromJobId === steps[s.stepId as string].id));

        // Without a seed, a random one is drawn: nothing to reuse, ComfyUI runs again.
        const fresh = await t.json<{ id: string; status: string }>('/jobs', { method: 'POST', body: JSON.stringify({ ...body, params: { ...body.params, seed: undefined } }) });
        assert.equal(fresh.body.status, 'RUNNING');
      } finally {
        await t.close();
      }
    });

    it('the prompt queue runs image prompts through a chain mapped to the type', async () => {
      const h: QueueHarness = await startQueueHarness({
        db: await target.create(),
        comfyUrl: comfy.url,
        kinds: [],
        queue: { chains: { image: 'txt2img-x2' }, defaultParams: { image: { width: 256, height: 256 } } },
      });
      try {
        const [id] = await insertPrompts(h.knex, [{ prompt_type: 'image', prompt_text: 'a fox in the snow' }]);
        const report = await h.queue.drain();
        assert.equal(report.completed, 1, `${JSON.stringify(report)} ${h.log.warn.join('\n')}`);
        const row = await promptRow(h.knex, id);
        assert.equal(row.status, 'completed');
        const [image] = (await h.knex('prompt_artifacts').where({ prompt_id: id, artifact_type: 'image' })) as Array<{ file_path: string }>;
        const meta = await sharp(h.queue.media.pathOf(image.file_path)).metadata();
        assert.deepEqual([meta.width, meta.height], [512, 512], 'the upscaled picture, the chain output');
        const jobs = (await h.knex('media_jobs').where({ source: 'prompt-queue' }).whereNull('parent_job_id')) as Array<{ workflow: string }>;
        assert.deepEqual(jobs.map((j) => j.workflow), ['chain']);
      } finally {
        await h.close();
      }
    });
  });
}
