// Chains and lineage together, through the HTTP API on SQLite and PostgreSQL with real enhance
// steps: reproduce of a chain's output runs every step again (no reuse) and makes the same bytes;
// a newer chain preset version makes the chain's artifacts stale (CHAIN_SUPERSEDED) and refresh
// runs the latest version; a changed model file upstream is seen through a reused step.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Artifact, ArtifactDetail } from '../../contract/artifact.js';
import type { Job, JobDetail, SubmitJobResponse } from '../../contract/job.js';
import { OnnxGraphBuilder } from '../../plugin/pipelines/enhance/converter/onnx-graph-builder.js';
import { DATABASES } from '../support/db.js';
import { startTestLab, uploadBytes, waitForStatus, type TestLab } from '../support/lab.js';
import { TEST_MODEL_CACHE } from '../support/onnx-models.js';

/** A stand-in for a custom ESRGAN export: x2 by nearest (or linear) resize on 0..1. */
function upscalerModel(mode: 'nearest' | 'linear'): Uint8Array {
  const builder = new OnnxGraphBuilder();
  builder.addImageInput('image', 3);
  const scales = builder.addFloatInitializer('scales', [4], Float32Array.of(1, 1, 2, 2));
  builder.addNode('Resize', ['image', '', scales], { mode, coordinate_transformation_mode: 'asymmetric', ...(mode === 'nearest' ? { nearest_mode: 'floor' } : {}) }, 'upscaled');
  builder.addImageOutput('upscaled', 3);
  return builder.serialize({ producerName: 'test', producerVersion: mode, opsetVersion: 13, metadata: {} });
}

const twice = (second: number) => ({
  inputs: [{ name: 'photo', type: 'image' }],
  steps: [
    { id: 'a', workflow: 'enhance', params: { qualityPreset: 'fast', scale: 2 }, inputs: { image: { from: 'inputs.photo' } } },
    { id: 'b', workflow: 'enhance', params: { qualityPreset: 'fast', scale: second }, inputs: { image: { from: 'a.output' } } },
  ],
});

const modelThenFast = {
  inputs: [{ name: 'photo', type: 'image' }],
  steps: [
    { id: 'up', workflow: 'enhance', params: { qualityPreset: 'max', scale: 2 }, inputs: { image: { from: 'inputs.photo' } } },
    { id: 'then', workflow: 'enhance', params: { qualityPreset: 'fast', scale: 2 }, inputs: { image: { from: 'up.output' } } },
  ],
};

for (const target of DATABASES) {
  target.describe(`chains and lineage: reproduce, CHAIN_SUPERSEDED, staleness through reused steps on ${target.name}`, function () {
    this.timeout(180_000);
    let t: TestLab;
    let dir: string;
    let modelFile: string;

    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'media-lab-chain-lineage-'));
      modelFile = path.join(dir, 'upscaler.onnx');
      await writeFile(modelFile, upscalerModel('nearest'));
      t = await startTestLab({
        db: await target.create(),
        enhance: { modelCacheDir: TEST_MODEL_CACHE, threads: 1, preview: false, customModels: [{ name: 'test-upscaler', file: modelFile, range: '0-1', preset: 'max' }] },
        quotas: { maxActiveJobsPerUser: 100, maxSubmissionsPerDay: 10_000 },
        lanes: { enhance: 2 },
      });
    });
    after(async () => {
      await t?.close();
      await rm(dir, { recursive: true, force: true });
    });

    async function uploadPng(shade: number): Promise<string> {
      const png = await sharp({ create: { width: 12, height: 10, channels: 3, background: { r: shade, g: 120, b: 30 } } }).png().toBuffer();
      return uploadBytes(t, png, `p${shade}.png`);
    }

    async function publish(body: Record<string, unknown>): Promise<number> {
      const res = await t.json<{ version: number }>('/chains', { method: 'POST', body: JSON.stringify(body) });
      assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
      return res.body.version;
    }

    async function finished(id: string): Promise<JobDetail> {
      const job = await waitForStatus(t, id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 120_000);
      assert.equal(job.status, 'SUCCEEDED', `${job.errorCode}: ${job.errorMessage}`);
      return job;
    }

    async function runChain(name: string, photo: string): Promise<JobDetail> {
      const res = await t.json<SubmitJobResponse>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'chain', preset: { name }, params: { photo } }) });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return finished(res.body.id);
    }

    async function stepsOf(chainId: string): Promise<Record<string, JobDetail>> {
      const { body } = await t.json<{ items: Job[] }>(`/jobs?parentJobId=${chainId}`);
      const out: Record<string, JobDetail> = {};
      for (const job of body.items) out[job.stepId as string] = (await t.json<JobDetail>(`/jobs/${job.id}`)).body;
      return out;
    }

    async function rerun(artifactId: string, kind: 'refresh' | 'reproduce'): Promise<JobDetail> {
      const res = await t.json<SubmitJobResponse>(`/artifacts/${artifactId}/${kind}`, { method: 'POST' });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return finished(res.body.id);
    }

    async function contentSha(artifact: Artifact): Promise<string> {
      const res = await t.fetch(`/artifacts/${artifact.id}/content`);
      assert.equal(res.status, 200);
      return createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex');
    }

    const detail = async (id: string) => (await t.json<ArtifactDetail>(`/artifacts/${id}`)).body;

    it('reproduce of a chain output runs the whole chain again, every step anew, and makes the same bytes', async () => {
      await publish({ name: 'twice', ...twice(2) });
      const photo = await uploadPng(40);
      const first = await runChain('twice', photo);
      const firstSteps = await stepsOf(first.id);
      const [out] = first.outputs;
      assert.ok(out && out.role === 'output' && out.jobId === firstSteps.b!.id);

      // A plain resubmission reuses both steps (what reproduce must not do).
      const again = await stepsOf((await runChain('twice', photo)).id);
      assert.equal(again.a!.reusedFromJobId, firstSteps.a!.id);
      assert.equal(again.b!.reusedFromJobId, firstSteps.b!.id);

      const reproduced = await rerun(out.id, 'reproduce');
      assert.equal(reproduced.workflow, 'chain', 'reproduce starts from the chain job');
      assert.deepEqual(reproduced.preset && [reproduced.preset.name, reproduced.preset.version], ['twice', 1]);
      const steps = await stepsOf(reproduced.id);
      assert.deepEqual(Object.keys(steps).sort(), ['a', 'b']);
      for (const id of ['a', 'b']) {
        assert.equal(steps[id]!.status, 'SUCCEEDED');
        assert.equal(steps[id]!.reusedFromJobId, null, `step ${id} ran again rather than reusing`);
        assert.notEqual(steps[id]!.id, firstSteps[id]!.id);
        assert.equal(steps[id]!.outputs[0]!.metadata.reusedFrom, undefined);
      }
      const [made] = reproduced.outputs;
      assert.ok(made && made.id !== out.id);
      assert.equal(made.sha256, out.sha256, 'same bytes (recorded hash)');
      assert.equal(await contentSha(made), await contentSha(out), 'same bytes (content)');
      assert.equal(await contentSha(steps.a!.outputs[0]!), await contentSha(firstSteps.a!.outputs[0]!), 'the intermediate too');
    });

    it('a newer chain preset version makes the chain\'s artifacts stale (CHAIN_SUPERSEDED); refresh runs the latest version', async () => {
      await publish({ name: 'superseded', ...twice(2) });
      const photo = await uploadPng(80);
      const old = await runChain('superseded', photo);
      const oldSteps = await stepsOf(old.id);
      const [out] = old.outputs;
      assert.ok(out);
      assert.equal((await detail(out.id)).stale, false);
      const refused = await t.json<{ code: string }>(`/artifacts/${out.id}/refresh`, { method: 'POST' });
      assert.equal(refused.status, 409);
      assert.equal(refused.body.code, 'NOT_STALE');

      assert.equal(await publish({ name: 'superseded', ...twice(4) }), 2);
      const stale = await detail(out.id);
      assert.equal(stale.stale, true);
      assert.equal(stale.staleReason?.code, 'CHAIN_SUPERSEDED');
      assert.equal(stale.staleReason?.jobId, old.id, 'the chain job is what refresh starts from');
      assert.deepEqual([stale.staleReason?.recorded, stale.staleReason?.current], ['v1', 'v2']);
      assert.match(stale.staleReason?.message ?? '', /chain "superseded" v1 was superseded by v2/);
      assert.equal((await detail(oldSteps.a!.outputs[0]!.id)).staleReason?.code, 'CHAIN_SUPERSEDED', 'the intermediate too');
      const staleIds = (await t.json<{ items: Artifact[] }>('/artifacts?stale=true&limit=200')).body.items.map((a) => a.id);
      assert.ok(staleIds.includes(out.id));

      const refreshed = await rerun(out.id, 'refresh');
      assert.equal(refreshed.workflow, 'chain');
      assert.deepEqual(refreshed.preset && [refreshed.preset.name, refreshed.preset.version], ['superseded', 2]);
      const steps = await stepsOf(refreshed.id);
      assert.equal(steps.a!.reusedFromJobId, oldSteps.a!.id, 'refresh reuses the step that did not change');
      assert.equal(steps.b!.reusedFromJobId, null);
      const [made] = refreshed.outputs;
      assert.ok(made);
      assert.equal(made.width, 12 * 2 * 4, 'made by v2 (scale 4)');
      assert.equal((await detail(made.id)).stale, false);
      assert.equal((await detail(out.id)).stale, true, 'the old output stays stale');
    });

    it('a changed model upstream makes the output stale through a reused step (its own artifact rows)', async () => {
      await publish({ name: 'model-then-fast', ...modelThenFast });
      const photo = await uploadPng(120);
      const first = await runChain('model-then-fast', photo);
      const second = await runChain('model-then-fast', photo);
      const steps = await stepsOf(second.id);
      const firstSteps = await stepsOf(first.id);
      assert.equal(steps.up!.reusedFromJobId, firstSteps.up!.id, 'the model step was reused');
      assert.equal(steps.then!.reusedFromJobId, firstSteps.then!.id);
      assert.equal(steps.then!.inputIds[0], steps.up!.outputs[0]!.id, 'the reused step has its own artifact row, which the next step reads');
      const [out] = second.outputs;
      assert.ok(out);
      assert.equal((await detail(out.id)).stale, false);

      await writeFile(modelFile, upscalerModel('linear'));
      try {
        const reason = (await detail(out.id)).staleReason;
        assert.equal(reason?.code, 'MODEL_CHANGED');
        assert.equal(reason?.jobId, steps.up!.id, 'named after the reused upstream step of this chain');
        assert.equal((await detail(steps.up!.outputs[0]!.id)).staleReason?.code, 'MODEL_CHANGED');
        assert.equal((await detail(first.outputs[0]!.id)).staleReason?.jobId, firstSteps.up!.id, 'the first run is stale too');
      } finally {
        await writeFile(modelFile, upscalerModel('nearest'));
      }
    });
  });
}
