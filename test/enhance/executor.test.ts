// The enhance executor end to end, with a fake worker context: real sharp, real onnxruntime,
// real converted models (cached between runs in the OS temp folder).
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { ValidationError } from '../../plugin/core/errors.js';
import type { JsonObject } from '../../plugin/core/types.js';
import { OnnxGraphBuilder } from '../../plugin/pipelines/enhance/converter/onnx-graph-builder.js';
import type { EnhanceKind, EnhanceOptionsInput, EnhanceParams } from '../../plugin/pipelines/enhance/index.js';
import { createEnhanceKind, describeEnhancePresets, enhanceParamsSchema } from '../../plugin/pipelines/enhance/index.js';
import { locateNpmPackage } from '../../plugin/pipelines/enhance/npm-model-packages.js';
import type { EnhanceKindInternals } from '../../plugin/pipelines/enhance/kind.js';
import { isMediaLabError } from '../support/assert.js';
import { fakeContext, type FakeRun } from '../support/fake-context.js';
import { sha256File } from '../support/files.js';
import { pngClaiming, rawImage, writeTemp } from '../support/media.js';
import { TEST_MODEL_CACHE } from '../support/onnx-models.js';
import { inputArtifact } from '../support/rows.js';

type Params = EnhanceParams;

describe('enhance executor', function () {
  this.timeout(60_000);
  let directory: string;
  let kind: EnhanceKind;
  const kinds: EnhanceKind[] = [];
  const contexts: FakeRun<Params>[] = [];

  function makeKind(options: EnhanceOptionsInput = {}, internals: EnhanceKindInternals = {}): EnhanceKind {
    const made = createEnhanceKind({ modelCacheDir: TEST_MODEL_CACHE, threads: 2, preview: false, ...options }, internals);
    kinds.push(made);
    return made;
  }

  async function run(target: EnhanceKind, params: Partial<Params>, file: string): Promise<{ t: FakeRun<Params>; summary: JsonObject }> {
    const t = fakeContext({ params: enhanceParamsSchema.parse(params), job: { workflow: 'enhance' }, inputs: [{ artifact: inputArtifact(), path: file }], storeDir: null, laneConcurrency: 1 });
    contexts.push(t);
    const result = await target.executor!.run(t.ctx);
    return { t, summary: (result as { summary: JsonObject }).summary };
  }

  async function failing(target: EnhanceKind, params: Partial<Params>, file: string): Promise<{ t: FakeRun<Params>; error: unknown }> {
    const t = fakeContext({ params: enhanceParamsSchema.parse(params), job: { workflow: 'enhance' }, inputs: [{ artifact: inputArtifact(), path: file }], storeDir: null, laneConcurrency: 1 });
    contexts.push(t);
    try {
      await target.executor!.run(t.ctx);
    } catch (error) {
      return { t, error };
    }
    assert.fail('the job should have failed');
  }

  before(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'media-lab-enhance-exec-'));
    kind = makeKind();
  });
  after(async () => {
    for (const made of kinds) await made.close();
    for (const t of contexts) await t.cleanup();
    await rm(directory, { recursive: true, force: true });
  });

  it('balanced x2: a twice-as-large PNG with preset, model, scale, tiles, duration, threads and provider recorded', async () => {
    const file = await writeTemp(directory, 'photo.png', await rawImage(48, 32).png().toBuffer());
    const withPreview = makeKind({ preview: true });
    const { t, summary } = await run(withPreview, {}, file);

    const [output, preview] = t.outputs.map((recorded) => recorded.spec);
    assert.ok(output && preview, 'an output and a preview');
    assert.equal(output.role, 'output');
    assert.equal(path.dirname(output.path), t.ctx.tempDir);
    assert.deepEqual(output.facts, { kind: 'image', mime: 'image/png', width: 96, height: 64 });
    const written = await sharp(output.path).metadata();
    assert.deepEqual([written.format, written.width, written.height], ['png', 96, 64]);
    assert.equal(preview.role, 'preview');
    assert.ok(preview.facts.width! <= 320);

    const metadata = output.metadata!;
    assert.deepEqual(metadata, summary);
    assert.equal(metadata.qualityPreset, 'balanced');
    assert.equal(metadata.engine, 'onnxruntime');
    const model = metadata.model as JsonObject;
    assert.equal(model.name, 'esrgan-slim');
    assert.match(String(model.sha256), /^[0-9a-f]{64}$/);
    assert.match(String(model.source), /^@upscalerjs\/esrgan-slim@/);
    assert.equal(metadata.scale, 2);
    assert.equal(metadata.modelScale, 2);
    assert.equal(typeof metadata.tileWidth, 'number');
    assert.equal(typeof metadata.tileHeight, 'number');
    assert.equal(metadata.tiles, 1);
    assert.equal(typeof metadata.durationMs, 'number');
    assert.equal(metadata.threads, 2);
    assert.equal(metadata.executionProvider, 'cpu');
    assert.deepEqual(t.backends, ['onnxruntime:cpu']);
  });

  it('matches the result UpscalerJS publishes for the same model, away from the border', async () => {
    // esrgan-slim ships its own 2x sample (tfjs output for assets/fixture.png). Our border is
    // mirrored rather than zero-padded, so only the inside must agree.
    const assets = path.join(locateNpmPackage('@upscalerjs/esrgan-slim')!.dir, 'assets');
    const { t } = await run(kind, { qualityPreset: 'balanced', scale: 2 }, path.join(assets, 'fixture.png'));
    const ours = await sharp(t.outputs[0]!.path).removeAlpha().raw().toBuffer();
    const theirs = await sharp(path.join(assets, 'samples', '2x', 'result.png')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const width = theirs.info.width;
    assert.equal(ours.length, theirs.data.length);
    let worst = 0;
    for (let y = 16; y < theirs.info.height - 16; y++)
      for (let x = 16; x < width - 16; x++)
        for (let channel = 0; channel < 3; channel++) {
          const index = (y * width + x) * 3 + channel;
          worst = Math.max(worst, Math.abs(ours[index]! - theirs.data[index]!));
        }
    assert.ok(worst <= 1, `max difference ${worst}/255`);
  });

  it('reports progress that only goes up, through the tiles, to 1', async () => {
    const file = await writeTemp(directory, 'progress.png', await rawImage(60, 40).png().toBuffer());
    const tiny = makeKind({}, { tileSize: 16 });
    const { t, summary } = await run(tiny, {}, file);
    const fractions = t.progress.map((update) => update.fraction);
    for (let index = 1; index < fractions.length; index++) assert.ok(fractions[index]! >= fractions[index - 1]!, `progress went back: ${fractions.join(', ')}`);
    assert.equal(fractions.at(-1), 1);
    const tileUpdates = t.progress.filter((update) => update.stage?.startsWith('upscaling, tile'));
    assert.ok(Number(summary.tiles) >= 6);
    assert.ok(tileUpdates.length >= Number(summary.tiles), 'one update per tile');
  });

  it('stops between tiles when cancelled, writing nothing', async () => {
    const file = await writeTemp(directory, 'cancel.png', await rawImage(60, 40).png().toBuffer());
    const tiny = makeKind({}, { tileSize: 16 });
    const t = fakeContext({ params: enhanceParamsSchema.parse({}), job: { workflow: 'enhance' }, inputs: [{ artifact: inputArtifact(), path: file }], storeDir: null, laneConcurrency: 1 });
    contexts.push(t);
    let tilesSeen = 0;
    const report = t.ctx.progress.bind(t.ctx);
    t.ctx.progress = (update) => {
      report(update);
      if (update.stage?.startsWith('upscaling') && update.fraction > 0.05 && ++tilesSeen === 1) t.controller.abort();
    };
    await assert.rejects(tiny.executor!.run(t.ctx), (error: unknown) => error instanceof Error && error.name === 'AbortError');
    assert.equal(tilesSeen, 1, 'no tile finished after the abort');
    assert.equal(t.outputs.length, 0);
  });

  it('keeps alpha, upscaled separately with Lanczos', async () => {
    const alpha = Buffer.from(Array.from({ length: 40 * 24 }, (_, index) => (index % 40) * 6));
    const rgba = await rawImage(40, 24).joinChannel(alpha, { raw: { width: 40, height: 24, channels: 1 } }).png().toBuffer();
    const file = await writeTemp(directory, 'alpha.png', rgba);
    const { t, summary } = await run(kind, {}, file);
    assert.equal(summary.alpha, true);
    const output = await sharp(t.outputs[0]!.path).raw().toBuffer({ resolveWithObject: true });
    assert.equal(output.info.channels, 4);
    const expected = await sharp(alpha, { raw: { width: 40, height: 24, channels: 1 } }).resize(80, 48, { kernel: 'lanczos3', fit: 'fill' }).raw().toBuffer();
    for (let pixel = 0; pixel < 80 * 48; pixel++) assert.equal(output.data[pixel * 4 + 3], expected[pixel], `alpha of pixel ${pixel}`);
  });

  it('gives an opaque alpha channel back opaque, with the same colours as the image without it', async () => {
    const opaque = Buffer.alloc(40 * 24, 255);
    const rgbaFile = await writeTemp(directory, 'opaque-alpha.png', await rawImage(40, 24).joinChannel(opaque, { raw: { width: 40, height: 24, channels: 1 } }).png().toBuffer());
    const rgbFile = await writeTemp(directory, 'no-alpha.png', await rawImage(40, 24).png().toBuffer());
    const withAlpha = await run(kind, {}, rgbaFile);
    const without = await run(kind, {}, rgbFile);
    assert.equal(withAlpha.summary.alpha, true);
    const output = await sharp(withAlpha.t.outputs[0]!.path).raw().toBuffer({ resolveWithObject: true });
    const reference = await sharp(without.t.outputs[0]!.path).raw().toBuffer({ resolveWithObject: true });
    assert.equal(output.info.channels, 4);
    assert.equal(reference.info.channels, 3);
    for (let pixel = 0; pixel < 80 * 48; pixel++) {
      assert.equal(output.data[pixel * 4 + 3], 255, `alpha of pixel ${pixel}`);
      for (let channel = 0; channel < 3; channel++) assert.equal(output.data[pixel * 4 + channel], reference.data[pixel * 3 + channel]);
    }
  });

  it('respects EXIF orientation', async () => {
    // Stored landscape, left half red, right half blue; orientation 6 displays it rotated 90 degrees clockwise.
    const stored = Buffer.alloc(40 * 24 * 3);
    for (let pixel = 0; pixel < 40 * 24; pixel++) stored.set((pixel % 40) < 20 ? [220, 30, 30] : [30, 30, 220], pixel * 3);
    const jpeg = await sharp(stored, { raw: { width: 40, height: 24, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const file = await writeTemp(directory, 'rotated.jpg', jpeg);
    for (const qualityPreset of ['balanced', 'fast'] as const) {
      const { t } = await run(kind, { qualityPreset }, file);
      const { data, info } = await sharp(t.outputs[0]!.path).raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual([info.width, info.height], [48, 80], qualityPreset);
      assert.equal((await sharp(t.outputs[0]!.path).metadata()).orientation ?? 1, 1, 'no orientation tag left to apply twice');
      const pixelAt = (x: number, y: number) => [...data.subarray((y * 48 + x) * 3, (y * 48 + x) * 3 + 3)];
      assert.ok(pixelAt(24, 10)[0]! > 150 && pixelAt(24, 10)[2]! < 100, `top is red (${qualityPreset})`);
      assert.ok(pixelAt(24, 70)[2]! > 150 && pixelAt(24, 70)[0]! < 100, `bottom is blue (${qualityPreset})`);
    }
  });

  it('keeps the ICC profile', async () => {
    const file = await writeTemp(directory, 'p3.png', await rawImage(32, 20).withIccProfile('p3').png().toBuffer());
    const inputProfile = (await sharp(file).metadata()).icc!;
    for (const qualityPreset of ['balanced', 'fast'] as const) {
      const { t, summary } = await run(kind, { qualityPreset }, file);
      const outputProfile = (await sharp(t.outputs[0]!.path).metadata()).icc;
      assert.ok(outputProfile && outputProfile.equals(inputProfile), `${qualityPreset} keeps the same profile`);
      assert.equal(summary.iccProfile, 'kept');
    }
  });

  it('accepts PNG, JPEG, WebP, AVIF and TIFF, writing the same format back', async () => {
    const encoders = {
      png: (image: sharp.Sharp) => image.png(),
      jpeg: (image: sharp.Sharp) => image.jpeg(),
      webp: (image: sharp.Sharp) => image.webp(),
      avif: (image: sharp.Sharp) => image.avif(),
      tiff: (image: sharp.Sharp) => image.tiff(),
    };
    for (const [format, encode] of Object.entries(encoders)) {
      const file = await writeTemp(directory, `format.${format}`, await encode(rawImage(24, 16)).toBuffer());
      const { t } = await run(kind, {}, file);
      assert.equal(t.outputs[0]!.spec.facts.mime, `image/${format}`);
      const written = await sharp(t.outputs[0]!.path).metadata();
      assert.equal(written.format === 'heif' ? 'avif' : written.format, format);
      assert.deepEqual([written.width, written.height], [48, 32]);
    }
  });

  it('fails unsupported, corrupt and oversized inputs with UNSUPPORTED_FORMAT / INPUT_TOO_LARGE before any work', async () => {
    const whole = await rawImage(64, 64).png({ compressionLevel: 0 }).toBuffer();
    const cases: Array<[string, Buffer, string]> = [
      ['in.gif', await rawImage(16, 16).gif().toBuffer(), 'UNSUPPORTED_FORMAT'],
      ['text.png', Buffer.from('not an image at all'), 'UNSUPPORTED_FORMAT'],
      ['truncated.png', whole.subarray(0, Math.floor(whole.length / 2)), 'UNSUPPORTED_FORMAT'],
      ['bomb.png', pngClaiming(60_000, 60_000), 'INPUT_TOO_LARGE'],
    ];
    for (const [name, bytes, code] of cases) {
      const file = await writeTemp(directory, name, bytes);
      for (const qualityPreset of ['balanced', 'fast'] as const) {
        const { t, error } = await failing(kind, { qualityPreset }, file);
        isMediaLabError(code)(error);
        assert.equal(t.outputs.length, 0, name);
        assert.deepEqual(t.backends, [], `${name}: no engine was started`);
        assert.ok(!t.progress.some((update) => update.stage === 'upscaling' || update.stage === 'resizing'), `${name}: no work started`);
      }
    }
    // An output above the limit fails the same way, before any work.
    const small = await writeTemp(directory, 'small.png', await rawImage(40, 40).png().toBuffer());
    const limited = makeKind({ maxOutputPixels: 100_000 });
    const { t, error } = await failing(limited, { scale: 4, outscale: 8 }, small);
    isMediaLabError('INPUT_TOO_LARGE')(error);
    assert.deepEqual(t.backends, []);
  });

  it('never modifies the source file', async () => {
    const file = await writeTemp(directory, 'source.jpg', await rawImage(30, 20).jpeg().withMetadata({ orientation: 3 }).toBuffer());
    const before = { hash: await sha256File(file), mtime: (await stat(file)).mtimeMs };
    for (const qualityPreset of ['balanced', 'fast'] as const) await run(kind, { qualityPreset }, file);
    assert.equal(await sha256File(file), before.hash);
    assert.equal((await stat(file)).mtimeMs, before.mtime);
  });

  it('fast is a sharp Lanczos resize (light sharpening optional)', async () => {
    const file = await writeTemp(directory, 'fast.png', await rawImage(30, 20).png().toBuffer());
    const plain = makeKind({ fastSharpen: false });
    const { t, summary } = await run(plain, { qualityPreset: 'fast', scale: 3 }, file);
    assert.equal(summary.engine, 'sharp');
    assert.equal(summary.executionProvider, null);
    assert.equal(summary.model, null);
    assert.equal(summary.sharpened, false);
    const ours = await sharp(t.outputs[0]!.path).raw().toBuffer();
    const lanczos = await sharp(file).resize(90, 60, { kernel: 'lanczos3', fit: 'fill' }).raw().toBuffer();
    assert.ok(ours.equals(lanczos), 'identical to sharp Lanczos');

    const sharpened = await run(kind, { qualityPreset: 'fast', scale: 3 }, file);
    assert.equal(sharpened.summary.sharpened, true);
    assert.ok(!(await sharp(sharpened.t.outputs[0]!.path).raw().toBuffer()).equals(lanczos));
  });

  it('outscale: the model runs at the nearest scale, then Lanczos gives the exact size', async () => {
    const file = await writeTemp(directory, 'outscale.png', await rawImage(30, 20).png().toBuffer());
    const half = await run(kind, { outscale: 2.5 }, file);
    assert.deepEqual([half.t.outputs[0]!.spec.facts.width, half.t.outputs[0]!.spec.facts.height], [75, 50]);
    assert.equal(half.summary.modelScale, 3, 'ties go to the larger model scale');
    assert.equal(half.summary.scale, 2.5);
    const five = await run(kind, { outscale: 5 }, file);
    assert.deepEqual([five.t.outputs[0]!.spec.facts.width, five.t.outputs[0]!.spec.facts.height], [150, 100]);
    assert.equal(five.summary.modelScale, 4);
  });

  it('max: unavailable without its package, with the reason, at submit time and in the executor', async () => {
    assert.ok(describeEnhancePresets({ modelCacheDir: TEST_MODEL_CACHE }).every((preset) => preset.available), 'all presets run here');
    const withoutThick = makeKind({}, { locatePackage: (name) => (name === '@upscalerjs/esrgan-thick' ? null : locateNpmPackage(name)) });
    const max = withoutThick.describePresets().find((preset) => preset.preset === 'max')!;
    assert.equal(max.available, false);
    assert.match(max.reason!, /npm install @upscalerjs\/esrgan-thick/);
    assert.throws(
      () => withoutThick.validate!(enhanceParamsSchema.parse({ qualityPreset: 'max' }), []),
      (error: unknown) => error instanceof ValidationError && error.issues[0]!.field === 'params.qualityPreset' && /esrgan-thick/.test(error.issues[0]!.message),
    );
    assert.doesNotThrow(() => withoutThick.validate!(enhanceParamsSchema.parse({ qualityPreset: 'balanced' }), []));
    const file = await writeTemp(directory, 'max.png', await rawImage(16, 16).png().toBuffer());
    const { error } = await failing(withoutThick, { qualityPreset: 'max' }, file);
    isMediaLabError('MODEL_UNAVAILABLE')(error);
  });

  it('runs a custom ONNX model, detecting its scale from its output shape', async () => {
    // A stand-in for e.g. a Real-ESRGAN export: nearest-neighbour x4 on 0..1.
    const builder = new OnnxGraphBuilder();
    builder.addImageInput('image', 3);
    const scales = builder.addFloatInitializer('scales', [4], Float32Array.of(1, 1, 4, 4));
    builder.addNode('Resize', ['image', '', scales], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, 'upscaled');
    builder.addImageOutput('upscaled', 3);
    const modelFile = path.join(directory, 'nearest-x4.onnx');
    await writeFile(modelFile, builder.serialize({ producerName: 'test', producerVersion: '1', opsetVersion: 13, metadata: {} }));

    const custom = makeKind({ customModels: [{ name: 'nearest-x4', file: modelFile, range: '0-1', preset: 'max' }] });
    const status = custom.describePresets().find((preset) => preset.preset === 'max')!;
    assert.equal(status.available, true);
    assert.equal(status.models[0]!.name, 'nearest-x4');

    const file = await writeTemp(directory, 'custom.png', await rawImage(20, 12).png().toBuffer());
    const four = await run(custom, { qualityPreset: 'max', scale: 4 }, file);
    assert.equal(four.summary.modelScale, 4);
    assert.equal((four.summary.model as JsonObject).name, 'nearest-x4');
    assert.deepEqual([four.t.outputs[0]!.spec.facts.width, four.t.outputs[0]!.spec.facts.height], [80, 48]);
    const source = await sharp(file).raw().toBuffer();
    const upscaled = await sharp(four.t.outputs[0]!.path).raw().toBuffer();
    const at = (data: Buffer, width: number, x: number, y: number) => [...data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)];
    assert.deepEqual(at(upscaled, 80, 4 * 7 + 2, 4 * 5 + 1), at(source, 20, 7, 5), 'the model really ran');

    const two = await run(custom, { qualityPreset: 'max', scale: 2 }, file);
    assert.equal(two.summary.modelScale, 4, 'the only scale it has');
    assert.deepEqual([two.t.outputs[0]!.spec.facts.width, two.t.outputs[0]!.spec.facts.height], [40, 24]);

    const missing = makeKind({ customModels: [{ name: 'gone', file: path.join(directory, 'missing.onnx'), preset: 'quality' }] });
    assert.equal(missing.describePresets().find((preset) => preset.preset === 'quality')!.available, false);
  });

  it('falls back to the next execution provider and records the one that ran', async () => {
    const file = await writeTemp(directory, 'provider.png', await rawImage(16, 16).png().toBuffer());
    const logs: string[] = [];
    const cudaFirst = makeKind({ executionProviders: ['cuda', 'cpu'] }, { log: (message) => logs.push(message) });
    const { summary, t } = await run(cudaFirst, {}, file);
    assert.ok(summary.executionProvider === 'cuda' || summary.executionProvider === 'cpu');
    assert.deepEqual(t.backends, [`onnxruntime:${String(summary.executionProvider)}`]);
    if (summary.executionProvider === 'cpu') assert.ok(logs.some((line) => /cuda is unavailable/.test(line)), logs.join('\n'));
  });
});

describe('enhance params', () => {
  it('defaults to balanced x2 and bounds scale and outscale', () => {
    assert.deepEqual(enhanceParamsSchema.parse({}), { qualityPreset: 'balanced', scale: 2 });
    assert.equal(enhanceParamsSchema.parse({ outscale: 8 }).outscale, 8);
    for (const invalid of [{ scale: 5 }, { outscale: 8.5 }, { outscale: 1 }, { qualityPreset: 'ultra' }, { scale: 2, extra: true }]) {
      assert.equal(enhanceParamsSchema.safeParse(invalid).success, false, JSON.stringify(invalid));
    }
  });
});
