// Lineage across jobs through the HTTP API, on SQLite and PostgreSQL, with the real pipelines:
// provenance back to the uploads, staleness (a newer preset version through the fake ComfyUI, a
// changed enhance model file), refresh and reproduce (byte-identical for deterministic steps:
// real sharp, onnxruntime and ffmpeg), and the bad paths with their codes.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { artifactDetailSchema, artifactSchema, type Artifact, type ArtifactDetail, type UploadedArtifact } from '../../contract/artifact.js';
import { jobDetailSchema, submitJobResponseSchema, type JobDetail, type SubmitJobResponse } from '../../contract/job.js';
import { provenanceSchema, type Provenance } from '../../contract/lineage.js';
import { pageSchema, type Page } from '../../contract/pages.js';
import { problemSchema, type Problem } from '../../contract/problem.js';
import { OnnxGraphBuilder } from '../../plugin/pipelines/enhance/converter/onnx-graph-builder.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import { ffmpeg } from '../support/ffmpeg.js';
import { DATABASES } from '../support/db.js';
import { startTestLab, waitForStatus, type TestLab } from '../support/lab.js';
import { rawImage } from '../support/media.js';
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

for (const target of DATABASES) {
  target.describe(`lineage: provenance, staleness, refresh and reproduce on ${target.name}`, function () {
    this.timeout(180_000);
    let t: TestLab;
    let comfy: FakeComfy;
    let dir: string;
    let modelFile: string;

    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'media-lab-lineage-'));
      modelFile = path.join(dir, 'upscaler.onnx');
      await writeFile(modelFile, upscalerModel('nearest'));
      comfy = await startFakeComfy();
      t = await startTestLab({
        db: await target.create(),
        comfy: { backends: [{ name: 'fake-comfy', url: comfy.url }] },
        enhance: { modelCacheDir: TEST_MODEL_CACHE, threads: 1, preview: false, customModels: [{ name: 'test-upscaler', file: modelFile, range: '0-1', preset: 'max' }] },
        lanes: { enhance: 2, interpolate: 1 },
      });
    });
    after(async () => {
      await t?.close();
      await comfy?.close();
      await rm(dir, { recursive: true, force: true });
    });

    async function upload(bytes: Uint8Array, name: string): Promise<UploadedArtifact> {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(bytes)]), name);
      const res = await t.json<UploadedArtifact>('/uploads', { method: 'POST', body: form });
      assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
      return res.body;
    }

    async function run(body: Record<string, unknown>): Promise<JobDetail> {
      const res = await t.json<SubmitJobResponse>('/jobs', { method: 'POST', body: JSON.stringify(body) });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return finished(res.body.id);
    }

    async function finished(id: string): Promise<JobDetail> {
      const job = await waitForStatus(t, id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 120_000);
      assert.equal(job.status, 'SUCCEEDED', `${job.errorCode}: ${job.errorMessage}`);
      return job;
    }

    function output(job: JobDetail): Artifact {
      const found = job.outputs.find((o) => o.role === 'output');
      assert.ok(found, `job ${job.id} has an output`);
      return found;
    }

    async function contentSha(artifact: Artifact): Promise<string> {
      const res = await t.fetch(`/artifacts/${artifact.id}/content`);
      assert.equal(res.status, 200);
      return createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex');
    }

    async function rerun(artifactId: string, kind: 'refresh' | 'reproduce'): Promise<JobDetail> {
      const res = await t.json<SubmitJobResponse>(`/artifacts/${artifactId}/${kind}`, { method: 'POST' });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.ok(submitJobResponseSchema.safeParse(res.body).success, 'answered like POST /jobs');
      assert.equal(res.res.headers.get('location'), `/api/media-lab/jobs/${res.body.id}`);
      return finished(res.body.id);
    }

    async function problem(res: Promise<{ status: number; body: unknown }>, status: number, code: string): Promise<Problem> {
      const { status: got, body } = await res;
      assert.equal(got, status, JSON.stringify(body));
      const parsed = problemSchema.parse(body);
      assert.equal(parsed.code, code);
      return parsed;
    }

    async function provenance(id: string): Promise<Provenance> {
      const res = await t.json(`/artifacts/${id}/provenance`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return provenanceSchema.parse(res.body);
    }

    it('enhance: provenance back to the upload; reproduce gives the same bytes (fast and a model preset)', async () => {
      const source = await upload(await rawImage(24, 16, 7).png().toBuffer(), 'source.png');
      const fast = await run({ workflow: 'enhance', inputs: [source.id], params: { qualityPreset: 'fast', scale: 2 } });
      const made = output(fast);

      const graph = await provenance(made.id);
      assert.deepEqual(graph.artifacts.map((a) => a.id), [made.id, source.id], 'the output, then the upload it came from');
      assert.equal(graph.artifacts[1]!.jobId, null);
      assert.equal(graph.steps.length, 1);
      const [step] = graph.steps;
      assert.equal(step!.jobId, fast.id);
      assert.equal(step!.workflow, 'enhance');
      assert.equal(step!.actor, 'demo-admin');
      assert.deepEqual(step!.inputs, [{ artifactId: source.id, sha256: source.sha256 }]);
      assert.deepEqual(step!.outputs, [made.id]);
      assert.equal(step!.params.qualityPreset, 'fast');
      assert.equal(step!.backend, 'sharp');
      assert.equal(step!.engine.kernel, 'lanczos3');
      assert.equal(step!.run, 'ran');
      assert.equal(step!.stale, false);
      assert.ok(step!.timings.runMs !== null && step!.timings.runMs >= 0);
      assert.equal(graph.stale, false);

      const again = await rerun(made.id, 'reproduce');
      assert.notEqual(again.id, fast.id);
      assert.deepEqual(again.inputIds, [source.id]);
      assert.equal(output(again).sha256, made.sha256, 'fast enhance reproduces byte for byte');
      assert.equal(await contentSha(output(again)), await contentSha(made));
      const events = (await t.json<{ items: Array<{ type: string; details: Record<string, unknown> }> }>(`/jobs/${again.id}/events`)).body.items;
      assert.deepEqual(events.find((e) => e.type === 'reproduce-of')?.details, { artifactId: made.id, fromJobId: fast.id });

      const model = await run({ workflow: 'enhance', inputs: [source.id], params: { qualityPreset: 'max', scale: 2 } });
      const modelStep = (await provenance(output(model).id)).steps[0]!;
      assert.deepEqual(modelStep.models, [
        { role: 'upscaler', name: 'test-upscaler', source: `custom:${modelFile}`, sha256: createHash('sha256').update(upscalerModel('nearest')).digest('hex'), bytes: upscalerModel('nearest').length },
      ]);
      assert.match(modelStep.backend ?? '', /^onnxruntime:/);
      const modelAgain = await rerun(output(model).id, 'reproduce');
      assert.equal(output(modelAgain).sha256, output(model).sha256, 'an ONNX model run reproduces byte for byte');

      // An npm model package (converted to ONNX once): recorded with its weights' hash, fresh.
      const balanced = output(await run({ workflow: 'enhance', inputs: [source.id], params: { qualityPreset: 'balanced', scale: 2 } }));
      assert.equal(balanced.stale, false);
      const [npmModel] = (await provenance(balanced.id)).steps[0]!.models;
      assert.match(npmModel!.source ?? '', /^@upscalerjs\/esrgan-slim@\S+ x2$/);
      assert.match(npmModel!.sha256 ?? '', /^[0-9a-f]{64}$/);
    });

    it('enhance: a changed model file makes its outputs stale; refresh runs the new model, reproduce refuses', async () => {
      const source = await upload(await rawImage(20, 20, 3).png().toBuffer(), 'model-source.png');
      const before = await run({ workflow: 'enhance', inputs: [source.id], params: { qualityPreset: 'max', scale: 2 } });
      const old = output(before);
      const fast = output(await run({ workflow: 'enhance', inputs: [source.id], params: { qualityPreset: 'fast', scale: 2 } }));
      assert.equal((await t.json<ArtifactDetail>(`/artifacts/${old.id}`)).body.stale, false);
      await problem(t.json(`/artifacts/${old.id}/refresh`, { method: 'POST' }), 409, 'NOT_STALE');

      await writeFile(modelFile, upscalerModel('linear'));
      try {
        const detail = (await t.json<ArtifactDetail>(`/artifacts/${old.id}`)).body;
        assert.equal(detail.stale, true);
        assert.equal(detail.staleReason?.code, 'MODEL_CHANGED');
        assert.equal(detail.staleReason?.jobId, before.id);
        assert.match(detail.staleReason?.message ?? '', /model file of "max" \(test-upscaler\) changed/);
        assert.equal((await t.json<JobDetail>(`/jobs/${before.id}`)).body.outputs[0]!.stale, true, 'the job page sees it too');
        assert.equal((await t.json<ArtifactDetail>(`/artifacts/${fast.id}`)).body.stale, false, 'Lanczos has no model');

        const stalePage = pageSchema(artifactSchema).parse((await t.json('/artifacts?stale=true&limit=200')).body);
        assert.ok(stalePage.items.every((a) => a.stale && a.staleReason !== null));
        artifactDetailSchema.parse(detail);
        jobDetailSchema.parse((await t.json(`/jobs/${before.id}`)).body);
        const staleOnes = stalePage.items.map((a) => a.id);
        assert.ok(staleOnes.length >= 3, 'the earlier test made outputs with this model too');
        const paged: string[] = [];
        for (let cursor: string | null = ''; cursor !== null; ) {
          const page: Page<Artifact> = (await t.json<Page<Artifact>>(`/artifacts?stale=true&limit=1${cursor ? `&cursor=${cursor}` : ''}`)).body;
          assert.ok(page.items.length <= 1);
          paged.push(...page.items.map((a) => a.id));
          cursor = page.nextCursor;
        }
        assert.deepEqual(paged, staleOnes, 'cursor paging through stale artifacts sees each once, in order');
        assert.ok(staleOnes.includes(old.id));
        assert.ok(!staleOnes.includes(fast.id) && !staleOnes.includes(source.id));
        const fresh = (await t.json<Page<Artifact>>('/artifacts?stale=false&limit=200')).body.items.map((a) => a.id);
        assert.ok(fresh.includes(fast.id) && fresh.includes(source.id) && !fresh.includes(old.id));
        const bad = await problem(t.json('/artifacts?stale=maybe'), 422, 'VALIDATION_FAILED');
        assert.equal(bad.errors?.[0]?.field, 'query.stale');

        await problem(t.json(`/artifacts/${old.id}/reproduce`, { method: 'POST' }), 409, 'NOT_REPRODUCIBLE');
        const refreshed = await rerun(old.id, 'refresh');
        const made = output(refreshed);
        assert.equal(made.stale, false, 'made with the current model');
        assert.notEqual(made.sha256, old.sha256, 'the new model (linear) makes other pixels');
        assert.deepEqual(refreshed.inputIds, [source.id]);
        assert.deepEqual(refreshed.params, before.params);
        const step = (await provenance(made.id)).steps[0]!;
        assert.equal(step.models[0]!.sha256, createHash('sha256').update(upscalerModel('linear')).digest('hex'));
        assert.equal((await t.json<ArtifactDetail>(`/artifacts/${old.id}`)).body.stale, true, 'the old output stays stale');
      } finally {
        await writeFile(modelFile, upscalerModel('nearest'));
      }
    });

    it('ComfyUI: provenance names the preset version, seed and models; a newer version makes it stale; refresh and reproduce', async () => {
      const params = { prompt: 'a lighthouse keeper, ink', seed: 4242, steps: 2, width: 256, height: 256, lora: 'detail_tweaker_xl.safetensors' };
      const first = await run({ workflow: 'generate', preset: { name: 'txt2img' }, params });
      const image = output(first);
      const v1 = first.preset!;

      const step = (await provenance(image.id)).steps[0]!;
      assert.deepEqual(step.preset, v1);
      assert.match(step.preset!.hash ?? '', /^[0-9a-f]{64}$/);
      assert.equal(step.seed, 4242);
      assert.equal(step.backend, 'fake-comfy');
      assert.deepEqual(
        step.models.map((m) => [m.role, m.name, m.sha256]),
        [
          ['checkpoint', 'sd_xl_base_1.0.safetensors', null],
          ['lora', 'detail_tweaker_xl.safetensors', null],
        ],
      );
      assert.equal(step.stale, false);

      const registry = t.lab.pipelines.presets.registry;
      const current = (await registry.get('txt2img', v1.version))!;
      const { manifest } = current.definition;
      const parameters = manifest.parameters.map((p) => (p.name === 'cfg' ? { ...p, default: 6.5 } : p));
      const published = await registry.publish({ ...manifest, parameters, workflow: current.definition.workflow }, 'api');
      assert.equal(published.created, true);
      const v2 = published.preset.version;

      const detail = (await t.json<ArtifactDetail>(`/artifacts/${image.id}`)).body;
      assert.equal(detail.stale, true);
      assert.deepEqual(
        { code: detail.staleReason?.code, recorded: detail.staleReason?.recorded, current: detail.staleReason?.current },
        { code: 'PRESET_SUPERSEDED', recorded: `v${v1.version}`, current: `v${v2}` },
      );
      assert.equal(detail.staleReason?.message, `preset "txt2img" v${v1.version} was superseded by v${v2}`);
      assert.ok((await t.json<Page<Artifact>>('/artifacts?stale=true&kind=image&limit=200')).body.items.some((a) => a.id === image.id));
      assert.equal((await provenance(image.id)).stale, true);

      const reproduced = await rerun(image.id, 'reproduce');
      assert.deepEqual(reproduced.preset, v1, 'reproduce pins the recorded version');
      assert.equal(reproduced.params.seed, 4242);
      assert.equal(output(reproduced).stale, true, 'made with the old version, so stale as well');

      const refreshed = await rerun(image.id, 'refresh');
      assert.equal(refreshed.preset?.version, v2, 'refresh takes the current version');
      assert.deepEqual(refreshed.params, first.params, 'same params, same seed');
      assert.equal(output(refreshed).stale, false);
      await problem(t.json(`/artifacts/${output(refreshed).id}/refresh`, { method: 'POST' }), 409, 'NOT_STALE');
    });

    it('chain steps (rows as the chain runner writes them): a stale step makes the steps downstream of it stale; refresh and reproduce start from the chain job', async () => {
      const source = await upload(await rawImage(16, 16, 11).png().toBuffer(), 'chain-source.png');
      const chain = await run({ workflow: 'enhance', inputs: [source.id], params: { qualityPreset: 'fast', scale: 2 } });
      const generate = await run({ workflow: 'generate', preset: { name: 'txt2img' }, params: { prompt: 'a chain', seed: 9, steps: 2, width: 256, height: 256 } });
      const upscale = await run({ workflow: 'enhance', inputs: [output(generate).id], params: { qualityPreset: 'fast', scale: 2 } });
      const side = await run({ workflow: 'enhance', inputs: [source.id], params: { qualityPreset: 'fast', scale: 3 } });
      await t.knex('media_jobs').where({ id: generate.id }).update({ parent_job_id: chain.id, step_id: 'gen' });
      await t.knex('media_jobs').where({ id: upscale.id }).update({ parent_job_id: chain.id, step_id: 'up' });
      await t.knex('media_jobs').where({ id: side.id }).update({ parent_job_id: chain.id, step_id: 'side', reused_from_job_id: chain.id });
      const final = output(upscale);
      assert.equal((await t.json<ArtifactDetail>(`/artifacts/${final.id}`)).body.stale, false);

      const registry = t.lab.pipelines.presets.registry;
      const current = (await registry.get('txt2img', generate.preset!.version))!;
      const parameters = current.definition.manifest.parameters.map((p) => (p.name === 'cfg' ? { ...p, default: 3.3 } : p));
      assert.equal((await registry.publish({ ...current.definition.manifest, parameters, workflow: current.definition.workflow }, 'api')).created, true);

      const detail = (await t.json<ArtifactDetail>(`/artifacts/${final.id}`)).body;
      assert.equal(detail.stale, true, 'downstream of a stale step');
      assert.deepEqual([detail.staleReason?.code, detail.staleReason?.jobId], ['PRESET_SUPERSEDED', generate.id], 'the reason names the stale step');
      assert.equal((await t.json<ArtifactDetail>(`/artifacts/${output(side).id}`)).body.stale, false, 'a step on another branch stays fresh');

      const graph = await provenance(final.id);
      const steps = new Map(graph.steps.map((s) => [s.jobId, s]));
      assert.deepEqual([steps.get(upscale.id)?.chainJobId, steps.get(upscale.id)?.stepId, steps.get(generate.id)?.stepId], [chain.id, 'up', 'gen']);
      assert.equal(steps.get(generate.id)?.staleReason?.code, 'PRESET_SUPERSEDED');
      assert.deepEqual(graph.artifacts.map((a) => a.id), [final.id, output(generate).id]);
      const sideStep = (await provenance(output(side).id)).steps[0]!;
      assert.deepEqual([sideStep.run, sideStep.reusedFromJobId], ['reused', chain.id]);

      const refreshed = await rerun(final.id, 'refresh');
      assert.deepEqual([refreshed.workflow, refreshed.inputIds], ['enhance', [source.id]], 'the chain job (its workflow and inputs) was submitted again');
      const reproduced = await rerun(final.id, 'reproduce');
      assert.deepEqual(reproduced.inputIds, [source.id]);
      assert.equal(output(reproduced).sha256, output(chain).sha256);
    });

    it('interpolate fast and quality reproduce byte for byte (real ffmpeg)', async () => {
      // A short clip with sound: 0.6 s of testsrc2 at 30 fps (the audio is copied through).
      const file = path.join(dir, 'short.mp4');
      await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=30:duration=0.6', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.6', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', file]);
      const clip = await upload(new Uint8Array(await readFile(file)), 'short.mp4');
      for (const mode of ['fast', 'quality']) {
        const first = await run({ workflow: 'interpolate', inputs: [clip.id], params: { targetFps: 60, mode } });
        const video = output(first);
        const step = (await provenance(video.id)).steps[0]!;
        assert.deepEqual(step.inputs, [{ artifactId: clip.id, sha256: clip.sha256 }]);
        assert.equal((step.engine.engine as { mode: string }).mode, mode);
        const again = output(await rerun(video.id, 'reproduce'));
        assert.equal(again.sha256, video.sha256, `interpolate ${mode} reproduces byte for byte`);
        assert.equal(await contentSha(again), video.sha256);
      }
    });

    it('bad paths: unknown artifact 404, uploads are neither stale nor reproducible', async () => {
      for (const [method, suffix] of [['GET', 'provenance'], ['POST', 'refresh'], ['POST', 'reproduce']] as const) {
        const found = await problem(t.json(`/artifacts/nope/${suffix}`, { method }), 404, 'NOT_FOUND');
        assert.match(found.detail ?? '', /No artifact with id nope/);
      }
      const source = await upload(await rawImage(8, 8, 9).png().toBuffer(), 'lonely.png');
      const graph = await provenance(source.id);
      assert.deepEqual([graph.artifacts.map((a) => a.id), graph.steps], [[source.id], []]);
      const notStale = await problem(t.json(`/artifacts/${source.id}/refresh`, { method: 'POST' }), 409, 'NOT_STALE');
      assert.match(notStale.advice ?? '', /up to date/);
      await problem(t.json(`/artifacts/${source.id}/reproduce`, { method: 'POST' }), 409, 'NOT_REPRODUCIBLE');
      await problem(t.json(`/artifacts/${source.id}/provenance`, { token: null }), 401, 'UNAUTHENTICATED');
    });
  });
}
