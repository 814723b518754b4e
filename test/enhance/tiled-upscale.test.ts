// The tiler: tiled output equals untiled output (real model, unrounded values), every output
// pixel is written exactly once, and it stops between tiles when cancelled.
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { convertWithCache } from '../../plugin/pipelines/enhance/converter/converted-model-cache.js';
import type { PreparedModel } from '../../plugin/pipelines/enhance/model-types.js';
import { BORDER_PAD, TILE_FEATHER } from '../../plugin/pipelines/enhance/model-upscale.js';
import { locateNpmPackage } from '../../plugin/pipelines/enhance/npm-model-packages.js';
import { onnxWindowUpscaler } from '../../plugin/pipelines/enhance/onnx-window-upscaler.js';
import type { PooledSession } from '../../plugin/pipelines/enhance/session-pool.js';
import { planTiles } from '../../plugin/pipelines/enhance/tile-plan.js';
import type { RgbImage, WindowUpscaler } from '../../plugin/pipelines/enhance/tiled-upscale.js';
import { roundingWriter, upscaleTiled } from '../../plugin/pipelines/enhance/tiled-upscale.js';
import { photoLikeRgb } from '../support/media.js';
import { TEST_MODEL_CACHE } from '../support/onnx-models.js';

/** Runs the tiler into unrounded floats, counting how often each output pixel is written. */
async function runToFloats(
  image: RgbImage,
  upscaleWindow: WindowUpscaler,
  scale: number,
  tile: number | { tileWidth: number; tileHeight: number },
  context: number,
  borderPad = 0,
): Promise<{ values: Float32Array; writes: Uint8Array; tiles: number }> {
  const grid = typeof tile === 'number' ? { tileWidth: tile, tileHeight: tile } : tile;
  const plan = planTiles(image.width, image.height, { ...grid, context, feather: TILE_FEATHER, borderPad });
  const width = image.width * scale;
  const values = new Float32Array(width * image.height * scale * 3);
  const writes = new Uint8Array(width * image.height * scale);
  await upscaleTiled({
    image,
    plan,
    scale,
    upscaleWindow,
    signal: new AbortController().signal,
    write: {
      interleaved(y, x, count, pixels) {
        values.set(pixels.subarray(0, count * 3), (y * width + x) * 3);
        for (let pixel = 0; pixel < count; pixel++) writes[y * width + x + pixel]!++;
      },
      planar(y, x, count, planes, source, plane, factor) {
        for (let pixel = 0; pixel < count; pixel++) {
          for (let channel = 0; channel < 3; channel++) values[(y * width + x + pixel) * 3 + channel] = factor * planes[source + pixel + channel * plane]!;
          writes[y * width + x + pixel]!++;
        }
      },
    },
  });
  return { values, writes, tiles: plan.count };
}

/** Replicates each pixel scale x scale times: a model whose exact output is known. */
function nearestUpscaler(scale: number, calls: { count: number } = { count: 0 }): WindowUpscaler {
  return async (image, window) => {
    calls.count++;
    const width = window.width * scale;
    const height = window.height * scale;
    const planes = new Float32Array(width * height * 3);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        for (let channel = 0; channel < 3; channel++) {
          const source = ((window.y + Math.floor(y / scale)) * image.width + window.x + Math.floor(x / scale)) * 3 + channel;
          planes[channel * width * height + y * width + x] = image.data[source]!;
        }
    return { planes, planeWidth: width, planeHeight: height, offsetX: 0, offsetY: 0, valueScale: 1 };
  };
}

describe('enhance tiled upscale', function () {
  this.timeout(60_000);
  const image: RgbImage = { data: photoLikeRgb(90, 70, 7), width: 90, height: 70 };

  it('tiled and untiled esrgan-slim outputs differ by less than 1/255 away from the edges', async () => {
    const located = locateNpmPackage('@upscalerjs/esrgan-slim')!;
    const converted = await convertWithCache({ name: 'esrgan-slim-x2', source: 'test', modelJsonPath: `${located.dir}/models/x2/model.json` }, TEST_MODEL_CACHE);
    const session = await ort.InferenceSession.create(converted.onnxPath, { intraOpNumThreads: 2 });
    try {
      const pooled: PooledSession = { session, executionProvider: 'cpu', inputName: 'input', outputName: 'output' };
      const model: PreparedModel = { name: 'esrgan-slim', source: 'test', sha256: converted.sourceHash, bytes: 0, onnxPath: converted.onnxPath, scale: 2, range: '0-255', tileContext: converted.receptiveRadius, bytesPerInputPixel: 2000 };
      const borderPad = Math.min(model.tileContext, BORDER_PAD);
      const upscaleWindow = onnxWindowUpscaler(pooled, model, borderPad);
      const untiled = await runToFloats(image, upscaleWindow, 2, 256, model.tileContext, borderPad);
      const tiled = await runToFloats(image, upscaleWindow, 2, 32, model.tileContext, borderPad);
      assert.equal(untiled.tiles, 1);
      assert.ok(tiled.tiles >= 6, `${tiled.tiles} tiles`);

      const width = image.width * 2;
      const height = image.height * 2;
      const edge = 4;
      let inner = 0;
      let everywhere = 0;
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++)
          for (let channel = 0; channel < 3; channel++) {
            const index = (y * width + x) * 3 + channel;
            const difference = Math.abs(tiled.values[index]! - untiled.values[index]!);
            everywhere = Math.max(everywhere, difference);
            if (x >= edge && y >= edge && x < width - edge && y < height - edge) inner = Math.max(inner, difference);
          }
      assert.ok(inner < 1, `max difference away from the edges: ${inner}/255`);
      assert.ok(everywhere < 1, `max difference including the edges: ${everywhere}/255`);
      // And it is a real upscale, not blank output.
      assert.ok(untiled.values.some((value) => value > 50));
    } finally {
      await session.release();
    }
  });

  it('reproduces an exact model at every tile size, scale and shape, writing each output pixel once', async () => {
    const grids = [16, 24, 40, 128, { tileWidth: 90, tileHeight: 20 }, { tileWidth: 17, tileHeight: 70 }, { tileWidth: 30, tileHeight: 23 }];
    for (const scale of [2, 3, 4]) {
      const reference = (await runToFloats(image, nearestUpscaler(scale), scale, 512, 3)).values;
      for (const [grid, borderPad] of grids.flatMap((grid) => [[grid, 0], [grid, 5]] as const)) {
        const { values, writes, tiles } = await runToFloats(image, nearestUpscaler(scale), scale, grid, 3, borderPad);
        const label = `scale ${scale}, tiles ${JSON.stringify(grid)} (${tiles}), border pad ${borderPad}`;
        assert.ok(writes.every((count) => count === 1), `${label}: every pixel written once`);
        const worst = values.reduce((max, value, index) => Math.max(max, Math.abs(value - reference[index]!)), 0);
        assert.ok(worst < 1e-3, `${label}: ${worst}`);
      }
    }
  });

  it('rounds into an RGBA target without touching alpha', async () => {
    const plan = planTiles(image.width, image.height, { tileWidth: 32, tileHeight: 24, context: 2, feather: TILE_FEATHER });
    const target = new Uint8Array(image.width * 2 * image.height * 2 * 4).fill(7);
    await upscaleTiled({ image, plan, scale: 2, upscaleWindow: nearestUpscaler(2), signal: new AbortController().signal, write: roundingWriter(target, image.width * 2, 4) });
    assert.deepEqual([...target.subarray(0, 4)], [...image.data.subarray(0, 3), 7]);
    const last = target.length - 4;
    assert.deepEqual([...target.subarray(last, last + 4)], [...image.data.subarray(image.data.length - 3), 7]);
  });

  it('stops between tiles when the signal aborts', async () => {
    const abort = new AbortController();
    const calls = { count: 0 };
    const plan = planTiles(image.width, image.height, { tileWidth: 24, tileHeight: 24, context: 2, feather: TILE_FEATHER });
    assert.ok(plan.count > 3);
    const progress: number[] = [];
    await assert.rejects(
      upscaleTiled({
        image,
        plan,
        scale: 2,
        upscaleWindow: nearestUpscaler(2, calls),
        signal: abort.signal,
        write: { interleaved: () => {}, planar: () => {} },
        onTileDone: (done) => {
          progress.push(done);
          if (done === 2) abort.abort();
        },
      }),
      (error: unknown) => error instanceof Error && error.name === 'AbortError',
    );
    assert.equal(calls.count, 2, 'no tile runs after the abort');
    assert.deepEqual(progress, [1, 2]);
  });
});
