// Feeds one image window to an onnxruntime session: HWC bytes to the model's NCHW float range,
// and its output handed back in place (with the factor that brings it to 0..255). Sides on the image border get mirrored padding first:
// the models zero-pad, which would darken a thin frame around the image; mirroring gives them
// plausible context there. Inner sides need none (the tiler already adds real context).
import * as ort from 'onnxruntime-node';
import { MediaLabError } from '../../core/errors.js';
import type { PreparedModel } from './model-types.js';
import type { PooledSession } from './session-pool.js';
import type { RgbImage, WindowRect, WindowUpscaler } from './tiled-upscale.js';

export function onnxWindowUpscaler(pooled: PooledSession, model: PreparedModel, borderPad: number): WindowUpscaler {
  const toModel = model.range === '0-1' ? 1 / 255 : 1;
  const fromModel = model.range === '0-1' ? 255 : 1;
  return async (image, window) => {
    const padded = paddedWindow(image, window, borderPad);
    const input = toPlanes(image, padded, toModel);
    let output: ort.Tensor;
    try {
      const results = await pooled.session.run({ [pooled.inputName]: new ort.Tensor('float32', input, [1, 3, padded.height, padded.width]) });
      output = results[pooled.outputName]!;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Running out of memory can pass once other jobs finish; anything else will fail again.
      const transient = /alloc|memory/i.test(message);
      throw new MediaLabError('EXECUTOR_FAILED', `The model ${model.name} failed on a ${padded.width} x ${padded.height} tile: ${message}`, { transient, cause: error });
    }
    const expected = [1, 3, padded.height * model.scale, padded.width * model.scale];
    if (output.dims.length !== 4 || output.dims.some((size, axis) => size !== expected[axis])) {
      throw new MediaLabError('EXECUTOR_FAILED', `The model ${model.name} returned a [${output.dims.join('x')}] tensor for a ${padded.width} x ${padded.height} tile, expected [${expected.join('x')}].`);
    }
    return {
      planes: output.data as Float32Array,
      planeWidth: padded.width * model.scale,
      planeHeight: padded.height * model.scale,
      offsetX: (window.x - padded.x) * model.scale,
      offsetY: (window.y - padded.y) * model.scale,
      valueScale: fromModel,
    };
  };
}

/** The window grown by `pad` on each side that touches the image border (may leave the image). */
function paddedWindow(image: RgbImage, window: WindowRect, pad: number): WindowRect {
  const left = window.x === 0 ? pad : 0;
  const top = window.y === 0 ? pad : 0;
  const right = window.x + window.width === image.width ? pad : 0;
  const bottom = window.y + window.height === image.height ? pad : 0;
  return { x: window.x - left, y: window.y - top, width: window.width + left + right, height: window.height + top + bottom };
}

/** Mirror without repeating the edge pixel (…2 1 | 0 1 2 … n-1 | n-2 …), for any offset. */
function mirror(index: number, size: number): number {
  if (size === 1) return 0;
  const period = 2 * (size - 1);
  const folded = ((index % period) + period) % period;
  return folded < size ? folded : period - folded;
}

function toPlanes(image: RgbImage, rect: WindowRect, factor: number): Float32Array {
  const { width, height } = rect;
  const plane = width * height;
  const planes = new Float32Array(plane * 3);
  const columns = Int32Array.from({ length: width }, (_, x) => mirror(rect.x + x, image.width) * 3);
  for (let y = 0; y < height; y++) {
    const rowStart = mirror(rect.y + y, image.height) * image.width * 3;
    for (let x = 0, target = y * width; x < width; x++, target++) {
      const source = rowStart + columns[x]!;
      planes[target] = image.data[source]! * factor;
      planes[target + plane] = image.data[source + 1]! * factor;
      planes[target + 2 * plane] = image.data[source + 2]! * factor;
    }
  }
  return planes;
}
