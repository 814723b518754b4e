// Picks the tile grid from the memory budget: the grid whose windows fit the budget and that
// feeds the model the fewest pixels. Every inner seam costs context plus half a feather on both
// sides, and the border costs a mirrored pad, so fewer, larger windows are cheaper; with
// onnxruntime's memory arena on, a large window runs no slower per pixel than a small one
// (measured on esrgan-slim from 268 to 528 px windows). Among equal costs, full-width strips win:
// rows finish early and are handed to the sink in order.
//
// onnxruntime's peak working memory per input pixel, measured as the growth of peak RSS over one
// 300 x 300 run (input and output tensors included): esrgan-slim 1.85 KB at x2 and 2.0 KB at x4,
// esrgan-medium 6.3 / 6.5 KB, esrgan-thick 3.5 / 3.5 KB. Models declare a base figure a little
// above those; the scale term (the wider output and our copies of it) is added here.

import { planAxis } from './tile-plan.js';

export const MIN_TILE = 32;
/** Pixels of fixed cost per model run (tensor set-up, scheduling), counted only to break near-ties. */
const PER_TILE_COST_PIXELS = 1024;

export interface TileGrid {
  /** Core width and height in input pixels. */
  tileWidth: number;
  tileHeight: number;
}

export interface GridRequest {
  width: number;
  height: number;
  budgetBytes: number;
  bytesPerPixel: number;
  context: number;
  feather: number;
  /** Mirrored pixels the window upscaler adds on sides that touch the image border. */
  borderPad: number;
}

/**
 * The share of the job's memory budget left to the model's window once the 8-bit output image
 * (which lives for the whole job) is set aside; never below a quarter of the budget. A 512 x 512
 * input at x4 (a 12 MB output) keeps nearly all of it; a 2048 x 2048 input at x4 (a 201 MB
 * output) runs in smaller windows, so the job as a whole stays within reach of the budget.
 */
export function modelWindowBudget(budgetBytes: number, outputBytes: number): number {
  return Math.max(budgetBytes - outputBytes, budgetBytes / 4);
}

export function estimatedBytesPerInputPixel(baseBytesPerPixel: number, scale: number): number {
  return baseBytesPerPixel + 32 * scale * scale;
}

export function tileGridForBudget(request: GridRequest): TileGrid {
  const reach = request.context + request.feather / 2;
  const minCore = Math.max(MIN_TILE, 2 * request.feather);
  const maxWindowPixels = request.budgetBytes / request.bytesPerPixel;
  const columns = axisOptions(request.width, minCore, reach, request.borderPad);
  const rows = axisOptions(request.height, minCore, reach, request.borderPad);
  let best: { grid: TileGrid; cost: number; rows: number } | null = null;
  let smallest: { grid: TileGrid; window: number } | null = null;
  for (const column of columns) {
    for (const row of rows) {
      const grid = { tileWidth: column.core, tileHeight: row.core };
      const window = column.window * row.window;
      if (!smallest || window < smallest.window) smallest = { grid, window };
      if (window > maxWindowPixels) continue;
      const cost = column.fedLength * row.fedLength + column.count * row.count * PER_TILE_COST_PIXELS;
      const better = !best || cost < best.cost || (cost === best.cost && row.count > best.rows);
      if (better) best = { grid, cost, rows: row.count };
    }
  }
  // A budget too small for even the smallest tiles still gets them: correctness over the budget.
  return best?.grid ?? smallest!.grid;
}

/**
 * The most extra model input that splitting an image into more row bands, for progress, may
 * cost. bench/upscale.ts measures what the bands cost in time (section "bands").
 */
export const PROGRESS_BAND_OVERHEAD = 0.05;

export interface BandRequest {
  height: number;
  context: number;
  feather: number;
  borderPad: number;
}

/**
 * The grid with as many row bands as PROGRESS_BAND_OVERHEAD buys: a large image that would run as
 * one window (or a few) then reports a real step per band instead of sitting still until the
 * model finishes. Never fewer rows than the grid had; smaller windows only lower the memory used.
 * A small image gets no extra bands (one more seam would cost more than the limit).
 */
export function withProgressBands(grid: TileGrid, request: BandRequest): TileGrid {
  const reach = request.context + request.feather / 2;
  const options = axisOptions(request.height, Math.max(MIN_TILE, 2 * request.feather), reach, request.borderPad);
  const rows = Math.ceil(request.height / grid.tileHeight);
  // What the tiler really feeds (equal windows, border pad included), not the estimate.
  const fed = (core: number) => fedRows(request.height, core, request);
  const limit = fed(grid.tileHeight) * (1 + PROGRESS_BAND_OVERHEAD);
  let best = { count: rows, core: grid.tileHeight };
  for (const option of options) {
    if (option.count > best.count && fed(option.core) <= limit) best = option;
  }
  return { ...grid, tileHeight: best.core };
}

function fedRows(height: number, core: number, geometry: BandRequest): number {
  const borderPad = geometry.borderPad;
  return planAxis(height, core, geometry).reduce((sum, tile) => sum + tile.windowEnd - tile.windowStart + (tile.blendsBefore ? 0 : borderPad) + (tile.blendsAfter ? 0 : borderPad), 0);
}

interface AxisOption {
  count: number;
  /** The core size that gives `count` equal tiles (what planTiles is handed). */
  core: number;
  /** The largest window along the axis. */
  window: number;
  /** Pixels fed to the model along the axis, over all tiles. */
  fedLength: number;
}

/** Every distinct way to split one axis into equal cores of at least `minCore` pixels. */
function axisOptions(length: number, minCore: number, reach: number, borderPad: number): AxisOption[] {
  const options: AxisOption[] = [];
  const seen = new Set<number>();
  const maxCount = Math.max(1, Math.floor(length / minCore));
  for (let wanted = 1; wanted <= maxCount; wanted++) {
    const core = Math.ceil(length / wanted);
    const count = Math.ceil(length / core);
    if (seen.has(count)) continue;
    seen.add(count);
    const sides = count === 1 ? 2 * borderPad : count === 2 ? reach + borderPad : Math.max(reach + borderPad, 2 * reach);
    const window = Math.ceil(length / count) + sides;
    options.push({ count, core, window, fedLength: length + 2 * borderPad + 2 * reach * (count - 1) });
  }
  return options;
}
