import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../../plugin/core/errors.js';
import type { Artifact } from '../../plugin/core/types.js';
import { allowedTargetFpsFor, createInterpolateKind, interpolateOptionsSchema, type InterpolateParams } from '../../plugin/pipelines/interpolate/index.js';
import { writeBlendModel } from '../support/onnx-models.js';
import { artifactRow } from '../support/rows.js';

function video(fps: number, rateFraction: string, extra: Record<string, boolean> = {}): Artifact {
  return artifactRow({
    fps,
    metadata: { video: { codec: 'h264', frameCount: 300, variableFrameRate: false, rateFraction, pixFmt: 'yuv420p', ...extra }, audioStreams: [], subtitleStreams: 0 },
  });
}

async function rejection(fn: () => unknown): Promise<ValidationError> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ValidationError');
}

describe('interpolate: submit-time validation', () => {
  const kind = createInterpolateKind();
  const validate = (params: InterpolateParams, inputs: Artifact[]) => kind.validate!(params, inputs);

  it('defines the kind, its inputs and its parameter schema with defaults', () => {
    assert.equal(kind.kind, 'interpolate');
    assert.deepEqual(kind.inputs, { min: 1, max: 1, kinds: ['video'] });
    assert.deepEqual(kind.paramsSchema.parse({ targetFps: 120 }), { targetFps: 120, mode: 'quality' });
    assert.equal(kind.paramsSchema.safeParse({ targetFps: 0 }).success, false);
    assert.equal(kind.paramsSchema.safeParse({ targetFps: 100_000 }).success, false);
    assert.equal(kind.paramsSchema.safeParse({ targetFps: 120, mode: 'magic' }).success, false);
  });

  it('accepts 60 -> 120 and 23.976 -> 59.94', async () => {
    await validate({ targetFps: 120, mode: 'quality' }, [video(60, '60/1')]);
    await validate({ targetFps: 59.94, mode: 'fast' }, [video(23.976023976, '24000/1001')]);
  });

  it('rejects 60 -> 95 naming params.targetFps and listing the allowed values', async () => {
    const error = await rejection(() => validate({ targetFps: 95, mode: 'quality' }, [video(60, '60/1')]));
    assert.equal(error.status, 422);
    assert.equal(error.issues.length, 1);
    assert.equal(error.issues[0].field, 'params.targetFps');
    assert.match(error.issues[0].message, /95 fps is not allowed/);
    assert.match(error.issues[0].message, /72, 90, 100, 119\.88, 120, 144, 180, 240, 300, 360, 420, 480/);
  });

  it('lists the allowed targets of an uploaded video for pickers', () => {
    assert.deepEqual(allowedTargetFpsFor(video(23.976023976, '24000/1001')).slice(0, 4), [24, 25, 29.97, 30]);
    assert.deepEqual(allowedTargetFpsFor(video(60, '60/1', { variableFrameRate: true })), []);
  });

  it('rejects variable frame rate inputs on inputs[0]', async () => {
    const error = await rejection(() => validate({ targetFps: 120, mode: 'quality' }, [video(60, '60/1', { variableFrameRate: true })]));
    assert.equal(error.issues[0].field, 'inputs[0]');
    assert.match(error.issues[0].message, /variable frame rate/);
  });

  it('rejects a non-video input and a video without a known rate', async () => {
    const audio = artifactRow({ kind: 'audio', fps: null });
    assert.equal((await rejection(() => validate({ targetFps: 120, mode: 'fast' }, [audio]))).issues[0].field, 'inputs[0]');
    const unknown = artifactRow({ fps: null, metadata: {} });
    assert.match((await rejection(() => validate({ targetFps: 120, mode: 'fast' }, [unknown]))).issues[0].message, /no known frame rate/);
  });

  it('rejects mode "model" on params.mode when no model is configured', async () => {
    const error = await rejection(() => validate({ targetFps: 120, mode: 'model' }, [video(60, '60/1')]));
    assert.deepEqual(error.issues.map((i) => i.field), ['params.mode']);
    assert.match(error.issues[0].message, /none is configured/);
  });

  describe('with a model configured', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'media-lab-interp-validate-'));
      await writeBlendModel(join(dir, 'blend.onnx'));
    });
    after(() => rm(dir, { recursive: true, force: true }));

    it('accepts mode "model" and reports a missing model file', async () => {
      await createInterpolateKind({ model: { file: join(dir, 'blend.onnx') } }).validate!({ targetFps: 120, mode: 'model' }, [video(60, '60/1')]);
      const missing = createInterpolateKind({ model: { file: join(dir, 'nope.onnx') } });
      const error = await rejection(() => missing.validate!({ targetFps: 120, mode: 'model' }, [video(60, '60/1')]));
      assert.match(error.issues[0].message, /missing/);
    });

    it('allows only 2x targets for a model without a time-step input', async () => {
      const midpointOnly = createInterpolateKind({ model: { file: join(dir, 'blend.onnx'), inputNames: { timestep: null } } });
      await midpointOnly.validate!({ targetFps: 120, mode: 'model' }, [video(60, '60/1')]);
      const error = await rejection(() => midpointOnly.validate!({ targetFps: 180, mode: 'model' }, [video(60, '60/1')]));
      assert.equal(error.issues[0].field, 'params.mode');
    });
  });

  it('fills option defaults', () => {
    const options = interpolateOptionsSchema.parse({});
    assert.deepEqual(options.encoder, { crf: 18, preset: 'veryfast' });
    assert.equal(options.sceneCutThreshold, 0.3);
    assert.equal(options.model, undefined);
    const withModel = interpolateOptionsSchema.parse({ model: { file: '/m.onnx' } });
    assert.deepEqual(withModel.model?.inputNames, { frame0: 'img0', frame1: 'img1', timestep: 'timestep' });
  });
});
