// GET /artifacts/:id/interpolate-options: the target select of the interpolate form. It answers
// from the upload's probe with the validator's own rules, so a listed target is always accepted
// and anything else refused; `model` is offered only when a model is configured.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InterpolateChoices } from '../../contract/interpolate.js';
import type { KindList } from '../../contract/kinds.js';
import { ValidationError } from '../../plugin/core/errors.js';
import type { Artifact } from '../../plugin/core/types.js';
import { ffmpegPath } from '../../plugin/media/binaries.js';
import { createInterpolateKind, type InterpolateMode } from '../../plugin/pipelines/interpolate/index.js';
import { USER, startTestLab, type TestLab } from '../support/lab.js';
import { rawImage } from '../support/media.js';
import { writeBlendModel } from '../support/onnx-models.js';
import { artifactRow } from '../support/rows.js';

function video(fps: number, rateFraction: string): Artifact {
  return artifactRow({ kind: 'video', fps, metadata: { video: { codec: 'h264', frameCount: 300, variableFrameRate: false, rateFraction, pixFmt: 'yuv420p' }, audioStreams: [], subtitleStreams: 0 } });
}

async function accepts(kind: ReturnType<typeof createInterpolateKind>, input: Artifact, targetFps: number, mode: InterpolateMode): Promise<boolean> {
  try {
    await kind.validate!({ targetFps, mode }, [input]);
    return true;
  } catch (error) {
    if (error instanceof ValidationError) return false;
    throw error;
  }
}

const SOURCES: Array<[number, string]> = [
  [23.976023976, '24000/1001'],
  [24, '24/1'],
  [25, '25/1'],
  [29.97002997, '30000/1001'],
  [30, '30/1'],
  [50, '50/1'],
  [59.94005994, '60000/1001'],
  [60, '60/1'],
  [120, '120/1'],
];

describe('interpolate: target options of a video', function () {
  this.timeout(60_000);
  let modelDir: string;
  let midpointModel: string;

  before(async () => {
    modelDir = await mkdtemp(join(tmpdir(), 'media-lab-interp-options-'));
    midpointModel = join(modelDir, 'midpoint.onnx');
    await writeBlendModel(midpointModel);
  });
  after(() => rm(modelDir, { recursive: true, force: true }));

  it('lists exactly what the validator accepts, for common source rates (and defaults to 2x)', async () => {
    const kind = createInterpolateKind();
    for (const [fps, fraction] of SOURCES) {
      const input = video(fps, fraction);
      const choices = kind.choicesFor(input);
      assert.ok(choices.targetFps.length > 0, `${fraction}: some targets`);
      assert.equal(choices.defaultTargetFps, Math.round(fps * 2 * 1000) / 1000, `${fraction}: the default is 2x`);
      assert.ok(choices.targetFps.includes(choices.defaultTargetFps!), `${fraction}: the default is listed`);
      for (const target of choices.targetFps) assert.equal(await accepts(kind, input, target, 'quality'), true, `${fraction} -> ${target} is listed, so it is accepted`);
      // Between and around the listed values: refused.
      const probes = [fps, fps * 1.5 + 0.37, fps * 8.5, ...choices.targetFps.map((t) => t + 0.5)];
      for (const target of probes) {
        if (choices.targetFps.some((t) => Math.abs(t - target) <= 0.01)) continue;
        assert.equal(await accepts(kind, input, target, 'quality'), false, `${fraction} -> ${target} is not listed, so it is refused`);
      }
    }
  });

  it('offers no model mode when no model is configured, and says why', () => {
    const kind = createInterpolateKind();
    const model = kind.describeModes().find((m) => m.mode === 'model')!;
    assert.equal(model.available, false);
    assert.match(model.reason ?? '', /none is configured/);
    const choices = kind.choicesFor(video(60, '60/1'));
    assert.deepEqual(
      choices.modes.map((m) => [m.mode, m.available]),
      [['fast', true], ['quality', true], ['model', false]],
    );
    assert.deepEqual(choices.modes.find((m) => m.mode === 'model')!.targetFps, []);
  });

  it('a model without a time input offers only 2x, and the validator agrees', async () => {
    const kind = createInterpolateKind({ model: { file: midpointModel, inputNames: { timestep: null } } });
    assert.equal(kind.describeModes().find((m) => m.mode === 'model')!.available, true);
    const input = video(30, '30/1');
    const choices = kind.choicesFor(input);
    const model = choices.modes.find((m) => m.mode === 'model')!;
    assert.deepEqual(model.targetFps, [60]);
    assert.match(model.reason ?? '', /can only double/);
    for (const target of choices.targetFps) assert.equal(await accepts(kind, input, target, 'model'), model.targetFps.includes(target), `model ${target}`);
  });

  it('a variable-frame-rate video offers nothing and says why', () => {
    const kind = createInterpolateKind();
    const vfr = artifactRow({ kind: 'video', fps: 30, metadata: { video: { rateFraction: '30/1', variableFrameRate: true } } });
    const choices = kind.choicesFor(vfr);
    assert.deepEqual(choices.targetFps, []);
    assert.equal(choices.defaultTargetFps, null);
    assert.match(choices.reason ?? '', /variable frame rate/);
  });
});

describe('GET /artifacts/:id/interpolate-options', function () {
  this.timeout(60_000);
  let t: TestLab;
  let dir: string;

  before(async () => {
    t = await startTestLab({ worker: { enabled: false } });
    dir = await mkdtemp(join(tmpdir(), 'media-lab-options-route-'));
  });
  after(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function upload(bytes: Buffer, name: string): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)]), name);
    const { status, body } = await t.json<{ id: string }>('/uploads', { method: 'POST', body: form });
    assert.ok(status === 201 || status === 200, `upload ${status}`);
    return body.id;
  }

  it('answers the allowed targets of an uploaded 25 fps clip from its probe, and each one submits', async () => {
    const path = join(dir, 'clip-25.mp4');
    execFileSync(ffmpegPath, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=25', '-t', '0.4', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', path]);
    const id = await upload(await readFile(path), 'clip-25.mp4');
    const { status, body } = await t.json<InterpolateChoices>(`/artifacts/${id}/interpolate-options`);
    assert.equal(status, 200);
    assert.equal(body.artifactId, id);
    assert.equal(body.sourceFps, 25);
    assert.equal(body.sourceRate, '25/1');
    assert.equal(body.defaultTargetFps, 50);
    assert.equal(body.reason, null);
    assert.deepEqual(body.targetFps, [29.97, 30, 48, 50, 59.94, 60, 72, 75, 90, 100, 119.88, 120, 125, 144, 150, 175, 200]);
    assert.deepEqual(body.modes.map((m) => [m.mode, m.available]), [['fast', true], ['quality', true], ['model', false]]);
    for (const targetFps of body.targetFps) {
      const submitted = await t.json<{ status: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'interpolate', params: { targetFps, mode: 'fast' }, inputs: [id] }) });
      assert.equal(submitted.status, 202, `${targetFps} fps: ${JSON.stringify(submitted.body)}`);
    }
    const refused = await t.json<{ code: string; errors: Array<{ field: string }> }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'interpolate', params: { targetFps: 40 }, inputs: [id] }) });
    assert.equal(refused.status, 422);
    assert.equal(refused.body.errors[0]!.field, 'params.targetFps');
  });

  it('GET /kinds says which interpolate modes run here', async () => {
    const { body } = await t.json<KindList>('/kinds');
    const interpolate = body.items.find((k) => k.kind === 'interpolate')!;
    assert.deepEqual(interpolate.modes?.map((m) => [m.mode, m.available]), [['fast', true], ['quality', true], ['model', false]]);
    assert.match(interpolate.modes![2]!.reason ?? '', /none is configured/);
  });

  it('422 naming `id` for an image, 404 NOT_FOUND for an unknown artifact, 403 for a non-admin', async () => {
    const image = await upload(await rawImage(32, 32).png().toBuffer(), 'still.png');
    const notVideo = await t.json<{ code: string; errors: Array<{ field: string; message: string }> }>(`/artifacts/${image}/interpolate-options`);
    assert.equal(notVideo.status, 422);
    assert.equal(notVideo.body.code, 'VALIDATION_FAILED');
    assert.equal(notVideo.body.errors[0]!.field, 'id');
    assert.match(notVideo.body.errors[0]!.message, /is an image; interpolation takes a video/);
    const missing = await t.json<{ code: string }>('/artifacts/nope/interpolate-options');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'NOT_FOUND');
    const forbidden = await t.json<{ code: string }>(`/artifacts/${image}/interpolate-options`, { token: USER });
    assert.equal(forbidden.status, 403);
  });
});
