// The comfy executor end to end against the fake ComfyUI: every shipped preset kind, errors,
// cancellation, dropped sockets, restarts and reconciliation from a checkpoint, failover in a
// pool of two, cached re-runs.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import type { Knex } from 'knex';
import sharp from 'sharp';
import { JobStopped } from '../../contract/stop.js';
import { comfyOptionsSchema, type ComfyOptions, type ComfyOptionsInput } from '../../bridge/options.js';
import { BackendPool } from '../../bridge/pool/backend-pool.js';
import { MediaLabError } from '../../plugin/core/errors.js';
import type { JsonObject, WorkflowKind } from '../../plugin/core/types.js';
import { ComfyExecutor } from '../../plugin/pipelines/comfy/executor.js';
import { PresetRegistry } from '../../plugin/pipelines/comfy/preset-registry.js';
import { reconcileComfyJobs } from '../../plugin/pipelines/comfy/reconcile-jobs.js';
import { resolveComfySubmission } from '../../plugin/pipelines/comfy/submission.js';
import { NEWEST_VERSION, startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import { createTestDb } from '../support/db.js';
import { fakeContext, type FakeRun } from '../support/fake-context.js';
import { FIXTURES, REPO_ROOT, tempDir } from '../support/files.js';
import { artifactFrom, runningJob } from '../support/rows.js';
import { waitFor } from '../support/wait.js';

function options(backends: Array<{ name: string; url: string; burst?: boolean }>, extra: Partial<ComfyOptionsInput> = {}): ComfyOptions {
  return comfyOptionsSchema.parse({
    backends,
    healthIntervalMs: 60_000,
    requestTimeoutMs: 3_000,
    reconnect: { baseMs: 20, maxMs: 200, giveUpAfterMs: 800 },
    watchdogMs: 500,
    pollWhileDisconnectedMs: 100,
    cancelWaitMs: 2_000,
    ...extra,
  });
}

function isCode(code: string, transient?: boolean) {
  return (error: unknown) => {
    assert.ok(error instanceof MediaLabError, `expected a MediaLabError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (transient !== undefined) assert.equal(error.transient, transient);
    return true;
  };
}

describe('comfy executor', function () {
  this.timeout(30_000);
  let db: { knex: Knex; destroy(): Promise<void> };
  let registry: PresetRegistry;
  let comfy: FakeComfy;
  let pool: BackendPool;
  let executor: ComfyExecutor;
  let opts: ComfyOptions;
  const pools: BackendPool[] = [];
  const files = tempDir('executor-inputs-');

  before(async () => {
    db = await createTestDb();
    registry = new PresetRegistry(db.knex);
    await registry.syncDirectory(join(REPO_ROOT, 'comfy-workflows'), 'shipped');
  });
  after(async () => {
    await db.destroy();
  });
  beforeEach(async () => {
    comfy = await startFakeComfy();
    opts = options([{ name: 'gpu', url: comfy.url }]);
    pool = new BackendPool(opts);
    pools.push(pool);
    executor = new ComfyExecutor({ pool, registry, options: opts });
  });
  afterEach(async () => {
    for (const p of pools.splice(0)) await p.stop();
    await comfy.close();
  });

  async function prepare(kind: WorkflowKind, preset: string | null, params: JsonObject, inputs: Array<ReturnType<typeof artifactFrom>> = []): Promise<FakeRun> {
    const resolved = await resolveComfySubmission(registry, kind, preset ? { name: preset } : undefined, params);
    const job = runningJob({ workflow: kind, preset: resolved.preset, params: resolved.params, inputIds: resolved.inputIds });
    return fakeContext({ job, inputs });
  }

  const promptsPosted = (c: FakeComfy = comfy) => c.requests.filter((r) => r.method === 'POST' && r.path === '/prompt');

  it('generate (txt2img): a picture of the requested size with its lineage; backend, checkpoint and progress recorded', async () => {
    const t = await prepare('generate', 'txt2img', { prompt: 'a knight in red', width: 320, height: 256, steps: 12 });
    const result = await executor.run(t.ctx);
    assert.equal(t.outputs.length, 1);
    const [out] = t.outputs;
    assert.deepEqual([out.artifact.kind, out.artifact.mime, out.artifact.width, out.artifact.height], ['image', 'image/png', 320, 256]);
    const meta = out.artifact.metadata as Record<string, unknown>;
    assert.equal(meta.seed, t.ctx.job.params.seed);
    assert.deepEqual(meta.models, ['sd_xl_base_1.0.safetensors']);
    assert.deepEqual(meta.preset, { id: (await registry.get('txt2img'))?.id, name: 'txt2img', version: 1, hash: t.ctx.job.preset?.hash });
    assert.equal(meta.backend, 'gpu');
    assert.deepEqual(out.artifact.parentIds, []);
    assert.deepEqual(t.backends, ['gpu']);
    const checkpoint = t.checkpoints[0] as { backend: string; promptId: string; clientId: string };
    assert.equal(checkpoint.backend, 'gpu');
    assert.equal(meta.promptId, checkpoint.promptId);
    assert.equal((result as { summary: { promptId: string } }).summary.promptId, checkpoint.promptId);
    const posted = promptsPosted()[0].body as { prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }>; prompt_id: string; client_id: string };
    assert.equal(posted.prompt_id, checkpoint.promptId);
    assert.equal(posted.client_id, checkpoint.clientId);
    assert.equal(posted.prompt['8'].inputs.filename_prefix, `medialab/${t.ctx.job.id}/out8`);
    assert.equal(posted.prompt['3'].inputs.text, 'a knight in red');
    assert.equal(posted.prompt['2'], undefined, 'no LoRA asked for: the loader is bypassed');
    const fractions = t.progress.map((p) => p.fraction);
    assert.deepEqual([...fractions].sort((a, b) => a - b), fractions);
    assert.equal(fractions[fractions.length - 1], 1);
    assert.ok(t.progress.some((p) => p.stage === 'running KSampler on gpu'));
    assert.ok(t.progress.some((p) => p.fraction > 0.1 && p.fraction < 0.9));
  });

  it('generate (img2img): uploads the reference images under content names and links them as parents', async () => {
    const ref = artifactFrom(join(FIXTURES, 'red.png'), files);
    const ref2 = artifactFrom(join(FIXTURES, 'bluegreen.png'), files);
    const t = await prepare('generate', 'img2img', { reference: ref.artifact.id, reference_2: ref2.artifact.id, width: 256, height: 264, steps: 4 }, [ref, ref2]);
    await executor.run(t.ctx);
    const [out] = t.outputs;
    assert.deepEqual([out.artifact.width, out.artifact.height], [256, 264]);
    assert.deepEqual(out.artifact.parentIds, [ref.artifact.id, ref2.artifact.id]);
    const uploads = comfy.requests.filter((r) => r.path === '/upload/image').map((r) => (r.body as { filename: string }).filename);
    assert.deepEqual(uploads, [`medialab_${ref.artifact.sha256.slice(0, 24)}.png`, `medialab_${ref2.artifact.sha256.slice(0, 24)}.png`]);
    assert.deepEqual((t.ctx.job.params as { reference: string }).reference, ref.artifact.id);
  });

  it('LoRA stacks (img2img, character-blend): set LoRAs chain in order with their strengths, empty ones are bypassed', async () => {
    const ref = artifactFrom(join(FIXTURES, 'red.png'), files);
    const ref2 = artifactFrom(join(FIXTURES, 'bluegreen.png'), files);
    const none = await prepare('generate', 'img2img', { reference: ref.artifact.id, width: 256, height: 256, steps: 2 }, [ref]);
    await executor.run(none.ctx);
    type Posted = { prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }> };
    let posted = promptsPosted().at(-1)?.body as Posted;
    assert.equal(Object.values(posted.prompt).filter((n) => n.class_type === 'LoraLoader').length, 0, 'no LoRA asked for: the whole stack is bypassed');
    assert.deepEqual(posted.prompt['9'].inputs.model, ['1', 0]);
    assert.deepEqual(posted.prompt['7'].inputs.clip, ['1', 1]);

    const stacked = await prepare(
      'generate',
      'img2img',
      { reference: ref.artifact.id, width: 256, height: 256, steps: 2, lora_1: 'watercolor_style.safetensors', lora_1_model_strength: 0.7, lora_1_clip_strength: 0.4, lora_3: 'detail_tweaker_xl.safetensors' },
      [ref],
    );
    await executor.run(stacked.ctx);
    assert.equal(stacked.outputs.length, 1);
    posted = promptsPosted().at(-1)?.body as Posted;
    const loras = Object.entries(posted.prompt).filter(([, n]) => n.class_type === 'LoraLoader');
    assert.deepEqual(loras.map(([id]) => id), ['12', '14'], 'lora_2 empty: its loader is bypassed');
    assert.deepEqual(posted.prompt['12'].inputs, { model: ['1', 0], clip: ['1', 1], lora_name: 'watercolor_style.safetensors', strength_model: 0.7, strength_clip: 0.4 });
    assert.deepEqual(posted.prompt['14'].inputs, { model: ['12', 0], clip: ['12', 1], lora_name: 'detail_tweaker_xl.safetensors', strength_model: 1, strength_clip: 1 });
    assert.deepEqual(posted.prompt['9'].inputs.model, ['14', 0]);
    assert.deepEqual([posted.prompt['7'].inputs.clip, posted.prompt['8'].inputs.clip], [['14', 1], ['14', 1]]);

    const blend = await prepare('blend', 'character-blend', { image_1: ref.artifact.id, image_2: ref2.artifact.id, width: 256, height: 256, steps: 2, lora_2: 'watercolor_style.safetensors' }, [ref, ref2]);
    await executor.run(blend.ctx);
    posted = promptsPosted().at(-1)?.body as Posted;
    assert.deepEqual(Object.entries(posted.prompt).filter(([, n]) => n.class_type === 'LoraLoader').map(([id]) => id), ['3']);
    assert.deepEqual(posted.prompt['3'].inputs.model, ['1', 0]);
    assert.deepEqual(posted.prompt['28'].inputs.model, ['3', 0]);
    assert.deepEqual(posted.prompt['26'].inputs.clip, ['3', 1]);

    const missing = await prepare('generate', 'img2img', { reference: ref.artifact.id, width: 256, height: 256, steps: 2, lora_1: 'not_there.safetensors' }, [ref]);
    await assert.rejects(executor.run(missing.ctx), (e: unknown) => {
      isCode('PRESET_INVALID')(e);
      assert.match((e as Error).message, /\[parameter "lora_1"\]: "not_there.safetensors" is not available on this server \(it has: detail_tweaker_xl.safetensors, watercolor_style.safetensors\)/);
      return true;
    });
  });

  it('pixel-blend: two to four images with weights, a real weighted blend', async () => {
    const blueFile = join(files, 'blue.png');
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 0, g: 0, b: 255 } } }).png().toFile(blueFile);
    const red = artifactFrom(join(FIXTURES, 'red.png'), files);
    const green = artifactFrom(join(FIXTURES, 'bluegreen.png'), files);
    const blue = artifactFrom(blueFile, files);
    const t = await prepare('blend', 'pixel-blend', { image_1: red.artifact.id, image_2: green.artifact.id, image_3: blue.artifact.id, weight_3: 2 }, [red, green, blue]);
    await executor.run(t.ctx);
    const [out] = t.outputs;
    assert.equal((out.artifact.metadata.preset as { name: string }).name, 'pixel-blend');
    const { data } = await sharp(out.path).raw().toBuffer({ resolveWithObject: true });
    // red:green:blue = 1:1:2 -> (0.25, 0.25, 0.5) of 255, truncated like SaveImage
    assert.deepEqual([...data.subarray(0, 3)], [63, 63, 127]);
    assert.equal(out.artifact.parentIds.length, 3);
  });

  it('blend (character-blend, the kind\'s default): inspirations VAE-encoded, latents mixed by weight, sampled at a denoise that keeps the mix', async () => {
    const blueFile = join(files, 'blue-char.png');
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 0, g: 0, b: 255 } } }).png().toFile(blueFile);
    const red = artifactFrom(join(FIXTURES, 'red.png'), files);
    const blue = artifactFrom(blueFile, files);
    const run = async (weight_1: number, weight_2: number) => {
      const t = await prepare('blend', null, { image_1: red.artifact.id, image_2: blue.artifact.id, weight_1, weight_2, width: 256, height: 256, steps: 3, seed: 7 }, [red, blue]);
      await executor.run(t.ctx);
      const [out] = t.outputs;
      assert.equal((out.artifact.metadata.preset as { name: string }).name, 'character-blend');
      assert.deepEqual([out.artifact.width, out.artifact.height], [256, 256]);
      assert.equal(out.artifact.parentIds.length, 2);
      const posted = promptsPosted().at(-1)?.body as { prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }> };
      const classes = Object.values(posted.prompt).map((n) => n.class_type);
      assert.equal(classes.filter((c) => c === 'VAEEncode').length, 2, 'one encode per inspiration given');
      assert.equal(classes.filter((c) => c === 'LatentBlend').length, 1, 'the blends of missing inspirations are bypassed');
      assert.equal(posted.prompt['23'].inputs.blend_factor, weight_1 / (weight_1 + weight_2));
      assert.equal(posted.prompt['28'].inputs.denoise, 0.6);
      assert.deepEqual(posted.prompt['28'].inputs.latent_image, ['23', 0]);
      const { data } = await sharp(out.path).raw().toBuffer({ resolveWithObject: true });
      return [...data.subarray(0, 3)];
    };
    const redHeavy = await run(3, 1);
    const blueHeavy = await run(1, 3);
    // Same seed and prompt: only the mix differs. 3:1 vs 1:3 moves half of red into blue, of which
    // the stand-in sampler keeps 1 - denoise/2 = 70 %: about 0.5 * 0.7 * 255 = 89 levels.
    assert.ok(Math.abs(redHeavy[0] - blueHeavy[0] - 89) <= 2, `red: ${redHeavy} vs ${blueHeavy}`);
    assert.ok(Math.abs(blueHeavy[2] - redHeavy[2] - 89) <= 2, `blue: ${redHeavy} vs ${blueHeavy}`);
  });

  it('music: FLAC of the requested length, parameters inferred from the workflow', async () => {
    const t = await prepare('music', null, { tags: 'lofi piano', duration: 2, steps: 5 });
    await executor.run(t.ctx);
    const [out] = t.outputs;
    assert.deepEqual([out.artifact.kind, out.artifact.mime, out.artifact.sampleRate], ['audio', 'audio/flac', 44100]);
    assert.ok(Math.abs((out.artifact.duration ?? 0) - 2) < 0.01);
    assert.deepEqual(out.artifact.metadata.models, ['ace_step_v1_3.5b.safetensors']);
  });

  it('voice: speech from a voice sample through the F5-TTS custom node', async () => {
    const sample = artifactFrom(join(FIXTURES, 'tone.wav'), files);
    const t = await prepare('voice', 'voice', { voice_sample: sample.artifact.id, text: 'Hello there.' }, [sample]);
    await executor.run(t.ctx);
    const [out] = t.outputs;
    assert.deepEqual([out.artifact.kind, out.artifact.sampleRate], ['audio', 24000]);
    assert.ok(Math.abs((out.artifact.duration ?? 0) - 0.6) < 0.01);
    assert.deepEqual(out.artifact.parentIds, [sample.artifact.id]);
    assert.ok(t.progress.some((p) => p.stage === 'running F5TTSAudioInputs on gpu'));
  });

  it('refuses a model the backend does not have before submitting, naming the parameter', async () => {
    const t = await prepare('generate', 'txt2img', { checkpoint: 'nope.safetensors', width: 256, height: 256 });
    await assert.rejects(executor.run(t.ctx), (e: unknown) => {
      isCode('PRESET_INVALID', false)(e);
      assert.match((e as Error).message, /\[parameter "checkpoint"\]: "nope\.safetensors" is not available on this server/);
      return true;
    });
    assert.equal(promptsPosted().length, 0);
  });

  it('turns a ComfyUI 400 into COMFY_VALIDATION naming node, input and parameter', async () => {
    const workflow = {
      '1': { class_type: 'LoadImage', inputs: { image: 'example.png' } },
      '2': { class_type: 'LoadImage', inputs: { image: 'example.png' } },
      '3': { class_type: 'ImageBlend', inputs: { image1: ['1', 0], image2: ['2', 0], blend_factor: 0.5, blend_mode: 'normal' } },
      '4': { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'x' } },
    };
    await registry.publish(
      {
        name: 'typed-wrong',
        kind: 'blend',
        workflow,
        parameters: {
          a: { type: 'image', targets: [{ node: '1', input: 'image' }] },
          b: { type: 'image', targets: [{ node: '2', input: 'image' }] },
          factor: { type: 'string', default: 'abc', targets: [{ node: '3', input: 'blend_factor' }] },
        },
      },
      'api',
    );
    const a = artifactFrom(join(FIXTURES, 'red.png'), files);
    const b = artifactFrom(join(FIXTURES, 'bluegreen.png'), files);
    const t = await prepare('blend', 'typed-wrong', { a: a.artifact.id, b: b.artifact.id }, [a, b]);
    await assert.rejects(executor.run(t.ctx), (e: unknown) => {
      isCode('COMFY_VALIDATION', false)(e);
      assert.match((e as Error).message, /node 3 \(ImageBlend\) input "blend_factor" \[parameter "factor"\]: Failed to convert an input value to a FLOAT value/);
      return true;
    });
  });

  it('turns a runtime execution_error into COMFY_EXECUTION (not retried)', async () => {
    await registry.publish(
      {
        name: 'batch-mismatch',
        kind: 'blend',
        workflow: {
          '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 2, color: 0 } },
          '2': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 3, color: 0 } },
          '3': { class_type: 'ImageBlend', inputs: { image1: ['1', 0], image2: ['2', 0], blend_factor: 0.5, blend_mode: 'normal' } },
          '4': { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'x' } },
        },
      },
      'api',
    );
    const t = await prepare('blend', 'batch-mismatch', {});
    await assert.rejects(executor.run(t.ctx), (e: unknown) => {
      isCode('COMFY_EXECUTION', false)(e);
      assert.match((e as Error).message, /node 3 \(ImageBlend\): RuntimeError: The size of tensor a \(2\) must match/);
      return true;
    });
  });

  it('cancels a running job by interrupting only its own prompt', async () => {
    comfy.timing.delays = { KSampler: 100 };
    comfy.timing.stepDelayMs = 40;
    const t = await prepare('generate', 'txt2img', { width: 256, height: 256, steps: 50 });
    const running = executor.run(t.ctx);
    await waitFor(() => t.progress.some((p) => p.stage === 'running KSampler on gpu'), 'the sampler running');
    t.controller.abort();
    await assert.rejects(running, (e: unknown) => {
      isCode('CANCELLED')(e);
      assert.match((e as Error).message, /interrupted/);
      return true;
    });
    const { promptId } = t.checkpoints[0] as { promptId: string };
    assert.deepEqual(comfy.requests.find((r) => r.path === '/interrupt')?.body, { prompt_id: promptId });
    await waitFor(() => comfy.history(promptId), 'the interrupted prompt in history');
    assert.ok(comfy.history(promptId)?.status.messages.some(([type]) => type === 'execution_interrupted'));
  });

  it('against ComfyUI 0.33.x: the checkpoint and the outputs record the version, and a cancel goes through the jobs API', async () => {
    const newest = await startFakeComfy({ version: NEWEST_VERSION });
    try {
      const o = options([{ name: 'new', url: newest.url }]);
      const p = new BackendPool(o);
      pools.push(p);
      await p.checkHealth();
      const ex = new ComfyExecutor({ pool: p, registry, options: o });
      const done = await prepare('generate', 'txt2img', { width: 256, height: 256, steps: 4 });
      await ex.run(done.ctx);
      assert.equal((done.checkpoints[0] as { comfyVersion: string }).comfyVersion, NEWEST_VERSION);
      assert.equal(((done.outputs[0].artifact.metadata as { comfy: { version: string } }).comfy).version, NEWEST_VERSION);
      assert.deepEqual(p.status().map((s) => [s.version, s.jobsApi]), [[NEWEST_VERSION, true]]);

      newest.timing.hold = ['KSampler'];
      const t = await prepare('generate', 'txt2img', { width: 256, height: 256, steps: 4 });
      const running = ex.run(t.ctx);
      await waitFor(() => t.progress.some((pr) => pr.stage === 'running KSampler on new'), 'the sampler running');
      t.controller.abort();
      await assert.rejects(running, isCode('CANCELLED'));
      const { promptId } = t.checkpoints[0] as { promptId: string };
      assert.ok(newest.requests.some((r) => r.method === 'POST' && r.path === `/jobs/${promptId}/cancel`));
      assert.equal(newest.requests.some((r) => r.path === '/interrupt'), false);
      await waitFor(() => newest.history(promptId), 'the cancelled prompt in history');
    } finally {
      await newest.close();
    }
  });

  it('cancels a queued job by deleting only its own prompt from the queue', async () => {
    comfy.timing.nodeDelayMs = 300;
    const busy = await fetch(`${comfy.url}/prompt`, {
      method: 'POST',
      body: JSON.stringify({
        prompt: {
          '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 5 } },
          '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
          '3': { class_type: 'ImageInvert', inputs: { image: ['2', 0] } },
          '4': { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'busy' } },
        },
      }),
    });
    const busyId = ((await busy.json()) as { prompt_id: string }).prompt_id;
    const t = await prepare('generate', 'txt2img', { width: 256, height: 256 });
    const queued = executor.run(t.ctx);
    await waitFor(() => t.progress.some((p) => p.stage === 'queued on gpu'), 'queued');
    t.controller.abort();
    await assert.rejects(queued, isCode('CANCELLED'));
    const { promptId } = t.checkpoints[0] as { promptId: string };
    assert.deepEqual(comfy.requests.find((r) => r.method === 'POST' && r.path === '/queue')?.body, { delete: [promptId] });
    assert.equal(comfy.requests.some((r) => r.path === '/interrupt'), false);
    await waitFor(() => comfy.history(busyId), 'the other prompt finished');
    assert.equal(comfy.history(busyId)?.status.status_str, 'success');
    assert.equal(comfy.history(promptId), undefined);
  });

  it('a timeout stops the prompt like a cancel (TIMEOUT, transient); the retry submits a fresh prompt, not counted as lost', async () => {
    // Someone else's prompt holds the server: ours waits in the queue when its limit passes.
    comfy.timing.hold = ['ImageInvert'];
    await fetch(`${comfy.url}/prompt`, {
      method: 'POST',
      body: JSON.stringify({
        prompt: {
          '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 5 } },
          '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
          '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'busy' } },
        },
      }),
    });
    const t = await prepare('generate', 'txt2img', { width: 256, height: 256, steps: 2 });
    const queued = executor.run(t.ctx);
    await waitFor(() => t.progress.some((p) => p.stage === 'queued on gpu'), 'queued');
    t.controller.abort(new JobStopped('timeout'));
    await assert.rejects(queued, (e: unknown) => {
      isCode('TIMEOUT', true)(e);
      assert.match((e as Error).message, /^ComfyUI prompt \S+ on gpu removed from the queue$/);
      return true;
    });
    const first = t.checkpoints.at(-1) as { promptId: string; stopped?: boolean };
    assert.deepEqual(comfy.requests.find((r) => r.method === 'POST' && r.path === '/queue')?.body, { delete: [first.promptId] });
    assert.equal(first.stopped, true, 'the checkpoint says the prompt was stopped');

    // The next attempt: the server has never heard of the old prompt, which is not "lost".
    comfy.timing.hold = [];
    const retry = fakeContext({ job: { ...t.ctx.job, attempts: 2, checkpoint: first } });
    const result = (await executor.run(retry.ctx)) as { summary: { promptId: string; lostResubmits: number } };
    assert.notEqual(result.summary.promptId, first.promptId, 'a fresh prompt');
    assert.equal(result.summary.lostResubmits, 0, 'the stopped prompt is not counted as lost');
    assert.equal(retry.outputs.length, 1);
  });

  it('keeps going when the WebSocket drops mid-run', async () => {
    comfy.timing.nodeDelayMs = 60;
    const t = await prepare('generate', 'txt2img', { width: 256, height: 256, steps: 3 });
    const running = executor.run(t.ctx);
    await waitFor(() => t.progress.some((p) => p.stage?.startsWith('running')), 'running');
    comfy.dropSockets();
    await running;
    assert.equal(t.outputs.length, 1);
    assert.equal(promptsPosted().length, 1, 'no resubmission');
  });

  it('resubmits when ComfyUI restarts mid-run and forgets the prompt', async () => {
    comfy.timing.nodeDelayMs = 150;
    const t = await prepare('generate', 'txt2img', { width: 256, height: 256, steps: 3 });
    const running = executor.run(t.ctx);
    await waitFor(() => t.progress.some((p) => p.stage?.startsWith('running')), 'running');
    await comfy.restart();
    const result = (await running) as { summary: { lostResubmits: number; promptId: string } };
    assert.equal(result.summary.lostResubmits, 1);
    assert.equal(t.checkpoints.length, 2);
    assert.notEqual((t.checkpoints[0] as { promptId: string }).promptId, (t.checkpoints[1] as { promptId: string }).promptId);
    assert.equal((t.checkpoints[1] as { resubmits: number }).resubmits, 1);
    assert.equal(t.outputs.length, 1);
  });

  describe('reconciliation from a checkpoint (the process died, another attempt runs)', () => {
    /** What the worker aborts with when its lease is gone: the prompt must go on. */
    const leaseLost = new JobStopped('lease-lost');

    /** Starts a job and "kills" its process once the prompt runs: the attempt detaches, the prompt goes on. */
    async function dieWhileRunning(): Promise<FakeRun> {
      comfy.timing.nodeDelayMs = 200;
      const t = await prepare('generate', 'txt2img', { width: 256, height: 256, steps: 3 });
      const running = executor.run(t.ctx);
      await waitFor(() => t.progress.some((p) => p.stage?.startsWith('running')), 'running');
      t.controller.abort(leaseLost);
      await assert.rejects(running, (e: unknown) => e === leaseLost);
      assert.equal(comfy.requests.some((r) => r.path === '/interrupt' || (r.path === '/queue' && r.method === 'POST')), false, 'a detached attempt does not cancel');
      return t;
    }

    function nextAttempt(t: FakeRun, extra: Partial<ComfyOptionsInput> = {}): { t2: FakeRun; executor2: ComfyExecutor; pool2: BackendPool } {
      const o = options([{ name: 'gpu', url: comfy.url }], extra);
      const pool2 = new BackendPool(o); // a new process: a new client id
      pools.push(pool2);
      const job = { ...t.ctx.job, attempts: t.ctx.job.attempts + 1, checkpoint: t.checkpoints[t.checkpoints.length - 1] };
      return { t2: fakeContext({ job }), executor2: new ComfyExecutor({ pool: pool2, registry, options: o }), pool2 };
    }

    it('collects a prompt that finished meanwhile, without running it again', async () => {
      const t = await dieWhileRunning();
      const { promptId } = t.checkpoints[0] as { promptId: string };
      await waitFor(() => comfy.history(promptId), 'the orphaned prompt finished');
      const { t2, executor2, pool2 } = nextAttempt(t);
      assert.deepEqual((await reconcileComfyJobs([t2.ctx.job], pool2)).map((r) => r.state), ['succeeded']);
      await executor2.run(t2.ctx);
      assert.equal(t2.outputs.length, 1);
      assert.equal(t2.outputs[0].artifact.metadata.promptId, promptId);
      assert.equal(promptsPosted().length, 1);
    });

    it('follows a prompt that is still running, under the old client id', async () => {
      const t = await dieWhileRunning();
      const { t2, executor2, pool2 } = nextAttempt(t);
      assert.deepEqual((await reconcileComfyJobs([t2.ctx.job], pool2)).map((r) => r.state), ['running']);
      await executor2.run(t2.ctx);
      assert.equal(t2.outputs.length, 1);
      assert.equal(promptsPosted().length, 1);
      assert.ok(t2.progress.some((p) => p.stage?.startsWith('running') && p.fraction < 1), 'progress flows again');
      assert.deepEqual(t2.backends, ['gpu']);
    });

    it('resubmits a prompt the restarted server lost', async () => {
      const t = await dieWhileRunning();
      await comfy.restart();
      const { t2, executor2, pool2 } = nextAttempt(t);
      assert.deepEqual((await reconcileComfyJobs([t2.ctx.job, { id: 'no-checkpoint', checkpoint: {} }], pool2)).map((r) => r.state), ['lost', 'no-prompt']);
      const result = (await executor2.run(t2.ctx)) as { summary: { lostResubmits: number } };
      assert.equal(result.summary.lostResubmits, 1);
      assert.equal(t2.outputs.length, 1);
      assert.equal(promptsPosted().length, 2, 'the lost prompt and its resubmission');
    });

    it('fails with COMFY_LOST when the policy says so', async () => {
      const t = await dieWhileRunning();
      await comfy.restart();
      const { t2, executor2 } = nextAttempt(t, { lost: { policy: 'fail' } });
      await assert.rejects(executor2.run(t2.ctx), isCode('COMFY_LOST', false));
    });
  });

  describe('a pool of two', () => {
    let other: FakeComfy;
    beforeEach(async () => {
      other = await startFakeComfy();
      opts = options([
        { name: 'a', url: comfy.url },
        { name: 'b', url: other.url },
      ]);
      pool = new BackendPool(opts);
      pools.push(pool);
      executor = new ComfyExecutor({ pool, registry, options: opts });
    });
    afterEach(async () => {
      await other.close();
    });

    it('moves a running job to the other backend when its backend goes down', async () => {
      comfy.timing.nodeDelayMs = 200;
      const t = await prepare('generate', 'txt2img', { width: 256, height: 256, steps: 3 });
      const running = executor.run(t.ctx);
      await waitFor(() => t.progress.some((p) => p.stage === 'running KSampler on a' || p.stage?.startsWith('running') === true), 'running on a');
      assert.deepEqual(t.backends, ['a']);
      await comfy.stop();
      await running;
      assert.deepEqual(t.backends, ['a', 'b']);
      assert.equal(t.outputs[0].artifact.metadata.backend, 'b');
      assert.equal(pool.get('a')?.healthy, false);
      assert.equal(promptsPosted(other).length, 1);
    });

    it('skips a backend the health check found down', async () => {
      await comfy.stop();
      await pool.checkHealth();
      assert.deepEqual(pool.status().map((s) => [s.name, s.healthy]), [
        ['a', false],
        ['b', true],
      ]);
      const t = await prepare('generate', 'txt2img', { width: 256, height: 256, steps: 2 });
      await executor.run(t.ctx);
      assert.deepEqual(t.backends, ['b']);
      await other.stop();
      await pool.checkHealth();
      const t2 = await prepare('generate', 'txt2img', { width: 256, height: 256, steps: 2 });
      await assert.rejects(executor.run(t2.ctx), isCode('COMFY_UNREACHABLE', true));
    });
  });

  it('collects a fully cached re-run, whose messages replay the old file names', async () => {
    const t = await prepare('generate', 'txt2img', { width: 256, height: 256, steps: 2 });
    await executor.run(t.ctx);
    const firstName = t.outputs[0].artifact.metadata.comfy as { filename: string };
    // The same job runs again from scratch (say its outputs were lost before they were recorded).
    const again = fakeContext({ job: { ...t.ctx.job, checkpoint: {} } });
    await executor.run(again.ctx);
    const meta = again.outputs[0].artifact.metadata as { comfy: { filename: string; fullyCached: boolean } };
    assert.equal(meta.comfy.fullyCached, true);
    assert.equal(meta.comfy.filename, firstName.filename);
    assert.equal(again.outputs[0].artifact.sha256, t.outputs[0].artifact.sha256);
    assert.equal(again.progress[again.progress.length - 1].fraction, 1);
  });
});
