// Runs a window upscaler tile by tile and blends the results into the output. Tiles are visited
// row by row, left to right; see upscaleTiled for how little of the output is held as floats.
import type { TilePlan } from './tile-plan.js';
import { blendWeights } from './tile-plan.js';

export interface RgbImage {
  /** 8-bit RGB, row-major. */
  data: Uint8Array;
  width: number;
  height: number;
}

export interface WindowRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * A model's output for one window, as NCHW planes that may be larger than the window (border
 * padding): the window's top-left output pixel is at (offsetX, offsetY). Read in place, so
 * nothing is copied.
 */
export interface UpscaledWindow {
  planes: Float32Array;
  planeWidth: number;
  planeHeight: number;
  offsetX: number;
  offsetY: number;
  /** Multiplies values onto the 0..255 scale (255 for models working on 0..1). */
  valueScale: number;
}

export type WindowUpscaler = (image: RgbImage, window: WindowRect) => Promise<UpscaledWindow>;

/**
 * Receives final output values (on 0..255, unrounded, unclamped) for `count` pixels of output
 * row `y` from column `x` on. Each output pixel is written exactly once.
 */
export interface OutputWriter {
  /** Values RGB-interleaved in `values` (reused afterwards: copy before returning). */
  interleaved(y: number, x: number, count: number, values: Float32Array): void;
  /** Channel c of pixel i is `factor * planes[source + i + c * plane]` (a model's NCHW output, read in place). */
  planar(y: number, x: number, count: number, planes: Float32Array, source: number, plane: number, factor: number): void;
}

export interface TiledUpscaleRequest {
  image: RgbImage;
  plan: TilePlan;
  scale: number;
  upscaleWindow: WindowUpscaler;
  write: OutputWriter;
  signal: AbortSignal;
  onTileDone?: (done: number, total: number) => void;
}

/** Accumulates the weighted sums of output pixels that more than one tile contributes to. */
interface SeamBuffer {
  /** First output row (row seams) or column (column seams) the buffer holds. */
  first: number;
  values: Float32Array;
}

/**
 * Pixels that only one tile produces (weight 1: almost all of them) are written straight to the
 * output as soon as their tile has run. Only the blend zones between tiles are accumulated, in
 * small float buffers: a row seam spans the full output width and `feather * scale` rows, a
 * column seam `feather * scale` columns of one tile row. A row seam is written once the tile
 * row below it has run, a column seam once the tile to its right has. So the float working
 * set is a few seams, not a band of whole output rows.
 */
export async function upscaleTiled(request: TiledUpscaleRequest): Promise<void> {
  const { image, plan, scale, signal, write } = request;
  const outWidth = image.width * scale;
  const rampLength = plan.feather * scale;
  const columnWeights = plan.columns.map((column) => blendWeights(column, scale, plan.feather));
  const maxWindowHeight = Math.max(...plan.rows.map((row) => row.windowEnd - row.windowStart)) * scale;
  // The row seam above the current tile row (started by the row before) and the one below it.
  let seamAbove: SeamBuffer | null = null;
  let seamBelow: SeamBuffer | null = null;
  const freeRowSeams: Float32Array[] = [];
  const freeColumnSeams: Float32Array[] = [];
  let done = 0;

  for (let rowIndex = 0; rowIndex < plan.rows.length; rowIndex++) {
    const row = plan.rows[rowIndex]!;
    const rowWeights = blendWeights(row, scale, plan.feather);
    const windowTop = row.windowStart * scale;
    if (row.blendsAfter) {
      seamBelow = { first: (row.coreEnd - plan.feather / 2) * scale, values: freeRowSeams.pop()?.fill(0) ?? new Float32Array(rampLength * outWidth * 3) };
    }
    let seamLeft: SeamBuffer | null = null;
    for (let columnIndex = 0; columnIndex < plan.columns.length; columnIndex++) {
      signal.throwIfAborted();
      const column = plan.columns[columnIndex]!;
      const window = { x: column.windowStart, y: row.windowStart, width: column.windowEnd - column.windowStart, height: row.windowEnd - row.windowStart };
      const upscaled = await request.upscaleWindow(image, window);
      const seamRight: SeamBuffer | null = column.blendsAfter
        ? { first: (column.coreEnd - plan.feather / 2) * scale, values: freeColumnSeams.pop()?.fill(0) ?? new Float32Array(maxWindowHeight * rampLength * 3) }
        : null;
      const tile: PlacedTile = { upscaled, left: column.windowStart * scale, top: windowTop, width: window.width * scale, height: window.height * scale, rowWeights, columnWeights: columnWeights[columnIndex]! };
      placeTile(tile, { write, outWidth, rampLength, seamAbove, seamBelow, seamLeft, seamRight });
      if (seamLeft) freeColumnSeams.push(seamLeft.values);
      seamLeft = seamRight;
      request.onTileDone?.(++done, plan.count);
    }
    // The seam above is complete now that this tile row has run: write it out.
    if (seamAbove) {
      for (let line = 0; line < rampLength; line++) write.interleaved(seamAbove.first + line, 0, outWidth, seamAbove.values.subarray(line * outWidth * 3, (line + 1) * outWidth * 3));
      freeRowSeams.push(seamAbove.values);
    }
    seamAbove = seamBelow;
    seamBelow = null;
  }
}

interface PlacedTile {
  upscaled: UpscaledWindow;
  /** The window's top-left pixel in output coordinates, and its size. */
  left: number;
  top: number;
  width: number;
  height: number;
  rowWeights: Float32Array;
  columnWeights: Float32Array;
}

interface Placement {
  write: OutputWriter;
  outWidth: number;
  rampLength: number;
  seamAbove: SeamBuffer | null;
  seamBelow: SeamBuffer | null;
  seamLeft: SeamBuffer | null;
  seamRight: SeamBuffer | null;
}

function placeTile(tile: PlacedTile, placement: Placement): void {
  const { planes, planeWidth, planeHeight, offsetX, offsetY, valueScale } = tile.upscaled;
  const { width, height, columnWeights } = tile;
  const plane = planeWidth * planeHeight;
  if (planes.length !== plane * 3 || offsetX + width > planeWidth || offsetY + height > planeHeight) {
    throw new RangeError(`upscaled window [${planeWidth}x${planeHeight} at ${offsetX},${offsetY}] does not hold ${width}x${height}`);
  }
  // Columns with weight 1 belong to this tile alone; the ramps either side are shared.
  let fullStart = 0;
  while (fullStart < width && columnWeights[fullStart] !== 1) fullStart++;
  let fullEnd = width;
  while (fullEnd > fullStart && columnWeights[fullEnd - 1] !== 1) fullEnd--;
  const { rampLength, seamLeft, seamRight, write } = placement;

  for (let y = 0; y < height; y++) {
    const rowWeight = tile.rowWeights[y]!;
    if (rowWeight === 0) continue;
    const outY = tile.top + y;
    const source = (offsetY + y) * planeWidth + offsetX;
    if (rowWeight !== 1) {
      // A row shared with the tile row above or below: accumulate the whole row into its seam.
      const seam = placement.seamBelow && outY >= placement.seamBelow.first ? placement.seamBelow : placement.seamAbove!;
      const base = ((outY - seam.first) * placement.outWidth + tile.left) * 3;
      addWeighted(seam.values, base, planes, plane, source, 0, width, rowWeight * valueScale, columnWeights);
      continue;
    }
    if (seamLeft) {
      // The left ramp: its other half came from the tile to the left, so these pixels are final.
      const rampStart = seamLeft.first - tile.left;
      const base = (outY - tile.top) * rampLength * 3;
      addWeighted(seamLeft.values, base - rampStart * 3, planes, plane, source, rampStart, fullStart, valueScale, columnWeights);
      write.interleaved(outY, seamLeft.first, fullStart - rampStart, seamLeft.values.subarray(base, base + (fullStart - rampStart) * 3));
    }
    write.planar(outY, tile.left + fullStart, fullEnd - fullStart, planes, source + fullStart, plane, valueScale);
    if (seamRight) {
      const rampStart = seamRight.first - tile.left;
      const base = (outY - tile.top) * rampLength * 3;
      addWeighted(seamRight.values, base - rampStart * 3, planes, plane, source, fullEnd, width, valueScale, columnWeights);
    }
  }
}

/** target[base + 3x + c] += factor * weights[x] * plane c at source + x, for x in [from, to). */
function addWeighted(
  target: Float32Array,
  base: number,
  planes: Float32Array,
  plane: number,
  source: number,
  from: number,
  to: number,
  factor: number,
  weights: Float32Array,
): void {
  for (let x = from; x < to; x++) {
    const weight = factor * weights[x]!;
    if (weight === 0) continue;
    const index = base + 3 * x;
    target[index] += weight * planes[source + x]!;
    target[index + 1] += weight * planes[source + x + plane]!;
    target[index + 2] += weight * planes[source + x + 2 * plane]!;
  }
}

/**
 * A writer that rounds into an 8-bit image with 3 or 4 channels per pixel (RGB first; alpha is
 * left as it is). Stores into a Uint8ClampedArray round (half to even) and clamp natively; a
 * plain loop of them measured faster than TypedArray.set and than any Math.round loop.
 */
export function roundingWriter(target: Uint8Array, width: number, channels: 3 | 4): OutputWriter {
  const clamped = new Uint8ClampedArray(target.buffer, target.byteOffset, target.length);
  const start = (y: number, x: number, count: number): number => {
    const index = (y * width + x) * channels;
    if (x < 0 || x + count > width || index < 0 || index + count * channels > clamped.length) throw new RangeError('write outside the target image');
    return index;
  };
  return {
    interleaved(y, x, count, values) {
      for (let pixel = 0, index = 0, out = start(y, x, count); pixel < count; pixel++, index += 3, out += channels) {
        clamped[out] = values[index]!;
        clamped[out + 1] = values[index + 1]!;
        clamped[out + 2] = values[index + 2]!;
      }
    },
    planar(y, x, count, planes, source, plane, factor) {
      for (let pixel = 0, from = source, out = start(y, x, count); pixel < count; pixel++, from++, out += channels) {
        clamped[out] = factor * planes[from]!;
        clamped[out + 1] = factor * planes[from + plane]!;
        clamped[out + 2] = factor * planes[from + 2 * plane]!;
      }
    },
  };
}
