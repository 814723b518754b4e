import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaLabError } from '../../plugin/core/errors.js';
import type { Artifact } from '../../plugin/core/types.js';
import { createInterpolateKind, liveProcessCount, type InterpolateOptionsInput, type InterpolateParams } from '../../plugin/pipelines/interpolate/index.js';
import { testClips, type Clips } from '../support/clips.js';
import { fakeContext, makeJobDirs } from '../support/fake-context.js';
import { filesUnder, sha256File } from '../support/files.js';
import { writeBlendModel } from '../support/onnx-models.js';
import { artifactRow, videoArtifact } from '../support/rows.js';

async function failureOf(path: string, artifact: Artifact, params: InterpolateParams, options: InterpolateOptionsInput = {}): Promise<MediaLabError> {
  const dirs = await makeJobDirs();
  try {
    const run = fakeContext({ inputs: [{ path, artifact }], params, ...dirs });
    const error = await createInterpolateKind(options).executor!.run(run.ctx).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(error instanceof MediaLabError, `expected a MediaLabError, got ${String(error)}`);
    assert.deepEqual(await filesUnder(run.ctx.tempDir), [], 'files left in the temp dir');
    assert.equal(run.outputs.length, 0);
    await run.endAttempt();
    return error;
  } finally {
    await rm(dirs.root, { recursive: true, force: true });
  }
}

describe('interpolate: unsupported and corrupt inputs', function () {
  this.timeout(60_000);
  let clips: Clips;
  let modelDir: string;
  const sixty = () => artifactRow({ fps: 60, metadata: { video: { rateFraction: '60/1', variableFrameRate: false } } });

  before(async () => {
    clips = await testClips();
    modelDir = await mkdtemp(join(tmpdir(), 'media-lab-interp-badmodel-'));
    await writeBlendModel(join(modelDir, 'renamed.onnx'), { frame0: 'a', frame1: 'b', timestep: 't' });
  });
  after(() => rm(modelDir, { recursive: true, force: true }));
  afterEach(() => assert.equal(liveProcessCount(), 0));

  it('rejects a file that is not video at all as UNSUPPORTED_FORMAT', async () => {
    const hash = await sha256File(clips.garbage);
    const error = await failureOf(clips.garbage, sixty(), { targetFps: 120, mode: 'fast' });
    assert.equal(error.code, 'UNSUPPORTED_FORMAT');
    assert.match(error.message, /not a video file ffmpeg can read/);
    assert.equal(error.transient, false);
    assert.equal(await sha256File(clips.garbage), hash);
  });

  it('rejects a truncated MP4 as CORRUPT_INPUT, saying why', async () => {
    const error = await failureOf(clips.truncated, sixty(), { targetFps: 120, mode: 'quality' });
    assert.equal(error.code, 'CORRUPT_INPUT');
    assert.match(error.message, /damaged.*moov atom not found/);
  });

  it('rejects an MP4 whose frame data is damaged as CORRUPT_INPUT', async () => {
    const error = await failureOf(clips.damaged, await videoArtifact(clips.damaged), { targetFps: 120, mode: 'fast' });
    assert.equal(error.code, 'CORRUPT_INPUT');
    assert.match(error.message, /damaged/);
    assert.doesNotMatch(error.message, / @ 0x/);
  });

  it('rejects audio-only input: no video stream to interpolate', async () => {
    const error = await failureOf(clips.audioOnly, sixty(), { targetFps: 120, mode: 'fast' });
    assert.equal(error.code, 'UNSUPPORTED_FORMAT');
    assert.match(error.message, /no video stream/);
  });

  it('re-checks the target against the real frame rate when the job runs', async () => {
    const error = await failureOf(clips.motion, await videoArtifact(clips.motion), { targetFps: 95, mode: 'fast' });
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.match(error.message, /Allowed for this input: 72, 90/);
  });

  it('fails mode "model" with MODEL_UNAVAILABLE when the model file is gone', async () => {
    const error = await failureOf(clips.motion, await videoArtifact(clips.motion), { targetFps: 120, mode: 'model' }, { model: { file: join(modelDir, 'gone.onnx') } });
    assert.equal(error.code, 'MODEL_UNAVAILABLE');
    assert.match(error.message, /missing/);
  });

  it('names the model inputs when they do not match the configuration', async () => {
    const error = await failureOf(clips.motion, await videoArtifact(clips.motion), { targetFps: 120, mode: 'model' }, { model: { file: join(modelDir, 'renamed.onnx') } });
    assert.equal(error.code, 'MODEL_UNAVAILABLE');
    assert.match(error.message, /no input named img0, img1, timestep; its inputs are a, b, t/);
  });

  it('runs a model whose inputs are named in the options', async () => {
    const dirs = await makeJobDirs();
    try {
      const run = fakeContext({ inputs: [{ path: clips.motion, artifact: await videoArtifact(clips.motion) }], params: { targetFps: 180, mode: 'model' }, ...dirs });
      const kind = createInterpolateKind({ model: { file: join(modelDir, 'renamed.onnx'), inputNames: { frame0: 'a', frame1: 'b', timestep: 't' } } });
      const result = await kind.executor!.run(run.ctx);
      assert.equal(result?.summary?.frames, 360);
      await run.endAttempt();
    } finally {
      await rm(dirs.root, { recursive: true, force: true });
    }
  });
});
