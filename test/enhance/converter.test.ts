// The TFJS-layers-to-ONNX converter against the reference: tfjs itself (CPU backend, a dev
// dependency used only here) running the same npm weights.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { convertWithCache } from '../../plugin/pipelines/enhance/converter/converted-model-cache.js';
import { UnsupportedLayerError, convertLayersModelToOnnx } from '../../plugin/pipelines/enhance/converter/layers-to-onnx.js';
import { readTfjsLayersModel } from '../../plugin/pipelines/enhance/converter/tfjs-layers-model.js';
import type { TfjsLayersModel } from '../../plugin/pipelines/enhance/converter/tfjs-layers-model.js';
import { locateNpmPackage } from '../../plugin/pipelines/enhance/npm-model-packages.js';

const requireHere = createRequire(import.meta.url);

function modelJsonOf(packageName: string, scale: number): string {
  const located = locateNpmPackage(packageName);
  assert.ok(located, `${packageName} is installed`);
  return path.join(located.dir, 'models', `x${scale}`, 'model.json');
}

async function tfjsReference(modelJsonPath: string, nhwc: Float32Array, height: number, width: number): Promise<Float32Array> {
  const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as {
    modelTopology: object;
    weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  };
  const shards = await Promise.all(json.weightsManifest.flatMap((group) => group.paths).map((shard) => readFile(path.join(path.dirname(modelJsonPath), shard))));
  const weights = Buffer.concat(shards);
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
  const input = tf.tensor4d(nhwc, [1, height, width, 3]);
  const output = model.predict(input) as tf.Tensor;
  const values = (await output.data()) as Float32Array;
  tf.dispose([input, output]);
  model.dispose();
  return values;
}

async function onnxOutput(onnx: Uint8Array, nhwc: Float32Array, height: number, width: number): Promise<Float32Array> {
  const nchw = new Float32Array(nhwc.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let channel = 0; channel < 3; channel++) nchw[channel * height * width + y * width + x] = nhwc[(y * width + x) * 3 + channel]!;
  const session = await ort.InferenceSession.create(onnx);
  const result = await session.run({ input: new ort.Tensor('float32', nchw, [1, 3, height, width]) });
  await session.release();
  return result.output!.data as Float32Array;
}

function maxDifferenceNchwVsNhwc(nchw: Float32Array, nhwc: Float32Array, height: number, width: number): number {
  let max = 0;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let channel = 0; channel < 3; channel++) {
        max = Math.max(max, Math.abs(nchw[channel * height * width + y * width + x]! - nhwc[(y * width + x) * 3 + channel]!));
      }
  return max;
}

function testInput(height: number, width: number, range: number): Float32Array {
  return Float32Array.from({ length: height * width * 3 }, (_, index) => (((index * 7919) % 256) / 255) * range);
}

describe('enhance converter (TFJS layers -> ONNX)', function () {
  this.timeout(60_000);

  before(async () => {
    // PROD silences tfjs's console warnings, among them the CPU backend's first-use banner ("Hi,
    // looks like you are running TensorFlow.js in Node.js..."); the reference's results are the same.
    tf.enableProdMode();
    await tf.setBackend('cpu');
  });

  it('esrgan-slim x2 (Conv, Relu, Concat, Add, nearest UpSampling) matches tfjs within 1e-3 on 0..255', async () => {
    const modelJson = modelJsonOf('@upscalerjs/esrgan-slim', 2);
    const [height, width] = [12, 10];
    const input = testInput(height, width, 255);
    const converted = convertLayersModelToOnnx(await readTfjsLayersModel(modelJson));
    assert.equal(converted.scale, 2);
    assert.equal(converted.inputChannels, 3);
    assert.equal(converted.outputChannels, 3);
    const reference = await tfjsReference(modelJson, input, height, width);
    const ours = await onnxOutput(converted.onnx, input, height, width);
    assert.equal(ours.length, reference.length);
    const difference = maxDifferenceNchwVsNhwc(ours, reference, height * 2, width * 2);
    assert.ok(difference < 1e-3, `max difference ${difference}`);
  });

  it('esrgan-thick x3 (MultiplyBeta, PixelShuffle as DepthToSpace) matches tfjs within 1e-5 on 0..1', async () => {
    // The package's own setup registers its custom layers with tfjs: the reference behaviour.
    const definition = requireHere('@upscalerjs/esrgan-thick/3x') as { default?: { setup?: (t: typeof tf) => void }; setup?: (t: typeof tf) => void };
    (definition.default ?? definition).setup?.(tf);
    const modelJson = modelJsonOf('@upscalerjs/esrgan-thick', 3);
    const [height, width] = [7, 9];
    const input = testInput(height, width, 1);
    const converted = convertLayersModelToOnnx(await readTfjsLayersModel(modelJson));
    assert.equal(converted.scale, 3);
    const reference = await tfjsReference(modelJson, input, height, width);
    const ours = await onnxOutput(converted.onnx, input, height, width);
    const difference = maxDifferenceNchwVsNhwc(ours, reference, height * 3, width * 3);
    assert.ok(difference < 1e-5, `max difference ${difference}`);
  });

  it('reports the receptive field the tiler needs', async () => {
    const slim = convertLayersModelToOnnx(await readTfjsLayersModel(modelJsonOf('@upscalerjs/esrgan-slim', 4)));
    const medium = convertLayersModelToOnnx(await readTfjsLayersModel(modelJsonOf('@upscalerjs/esrgan-medium', 4)));
    assert.equal(slim.scale, 4);
    assert.ok(slim.receptiveRadius >= 8 && slim.receptiveRadius < medium.receptiveRadius, `${slim.receptiveRadius} < ${medium.receptiveRadius}`);
  });

  it('names the layer it cannot convert', () => {
    const model: TfjsLayersModel = {
      layers: [
        { className: 'InputLayer', name: 'in', config: { batch_input_shape: [null, null, null, 3] }, inputs: [] },
        { className: 'Dense', name: 'dense_1', config: {}, inputs: [{ layer: 'in', nodeIndex: 0, tensorIndex: 0 }] },
      ],
      inputLayers: ['in'],
      outputLayers: ['dense_1'],
      weights: new Map(),
      sourceHash: 'x',
    };
    assert.throws(() => convertLayersModelToOnnx(model), (error: unknown) => error instanceof UnsupportedLayerError && /dense_1 \(Dense\)/.test(error.message));
  });

  it('caches conversions by the source weights hash and re-converts when the weights change', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'media-lab-converter-cache-'));
    try {
      const source = path.dirname(modelJsonOf('@upscalerjs/esrgan-slim', 2));
      const copy = path.join(work, 'model');
      await cp(source, copy, { recursive: true });
      const request = { name: 'slim-x2', source: 'test', modelJsonPath: path.join(copy, 'model.json') };
      const cacheDir = path.join(work, 'cache');

      const first = await convertWithCache(request, cacheDir);
      const second = await convertWithCache(request, cacheDir);
      assert.equal(first.fromCache, false);
      assert.equal(second.fromCache, true);
      assert.equal(second.onnxPath, first.onnxPath);
      assert.equal(second.scale, 2);

      const shard = path.join(copy, 'group1-shard1of1.bin');
      const bytes = await readFile(shard);
      bytes[100] = bytes[100]! ^ 0xff;
      await writeFile(shard, bytes);
      const changed = await convertWithCache(request, cacheDir);
      assert.equal(changed.fromCache, false);
      assert.notEqual(changed.sourceHash, first.sourceHash);
      assert.notEqual(changed.onnxPath, first.onnxPath);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
