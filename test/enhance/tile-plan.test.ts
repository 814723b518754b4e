import assert from 'node:assert/strict';
import type { AxisTile } from '../../plugin/pipelines/enhance/tile-plan.js';
import { blendWeights, planAxis, planTiles } from '../../plugin/pipelines/enhance/tile-plan.js';
import type { GridRequest } from '../../plugin/pipelines/enhance/tile-size.js';
import { MIN_TILE, estimatedBytesPerInputPixel, modelWindowBudget, tileGridForBudget } from '../../plugin/pipelines/enhance/tile-size.js';

describe('enhance tile plan', () => {
  it('covers the axis with cores and clips windows to the image', () => {
    const tiles = planAxis(100, 32, { context: 10, feather: 8 });
    assert.equal(tiles.length, 4);
    assert.equal(tiles[0]!.coreStart, 0);
    assert.equal(tiles.at(-1)!.coreEnd, 100);
    for (let index = 1; index < tiles.length; index++) assert.equal(tiles[index]!.coreStart, tiles[index - 1]!.coreEnd);
    assert.equal(tiles[0]!.windowStart, 0);
    assert.equal(tiles[1]!.windowStart, tiles[1]!.coreStart - 14);
    assert.equal(tiles.at(-1)!.windowEnd, 100);
  });

  it('gives one untiled window when the image fits in a tile', () => {
    const plan = planTiles(50, 40, { tileWidth: 64, tileHeight: 64, context: 10, feather: 8 });
    assert.equal(plan.count, 1);
    assert.deepEqual([plan.columns[0]!.windowStart, plan.columns[0]!.windowEnd], [0, 50]);
    assert.ok(blendWeights(plan.columns[0]!, 3, 8).every((weight) => weight === 1));
  });

  it('feeds the model the same length from every window, border pad included', () => {
    for (const [length, tileSize, borderPad] of [[2048, 683, 8], [97, 24, 6], [512, 256, 8], [100, 32, 0], [70, 20, 3], [300, 299, 8]] as const) {
      const tiles = planAxis(length, tileSize, { context: 10, feather: 4, borderPad });
      const fed = tiles.map((tile) => tile.windowEnd - tile.windowStart + (tile.blendsBefore ? 0 : borderPad) + (tile.blendsAfter ? 0 : borderPad));
      assert.ok(fed.every((value) => value === fed[0]), `${length}/${tileSize}/${borderPad}: ${fed.join(', ')}`);
      for (const tile of tiles) {
        assert.ok(tile.windowStart >= 0 && tile.windowEnd <= length);
        // Still at least the context and half the feather around every inner core side.
        if (tile.blendsBefore) assert.ok(tile.windowStart <= tile.coreStart - 12);
        if (tile.blendsAfter) assert.ok(tile.windowEnd >= tile.coreEnd + 12);
      }
    }
  });

  it('blend weights of all tiles sum to 1 at every output pixel', () => {
    for (const [scale, borderPad] of [[2, 0], [3, 0], [4, 0], [4, 8], [2, 5]] as const) {
      const length = 97;
      const tiles = planAxis(length, 24, { context: 6, feather: 8, borderPad });
      const sums = new Float64Array(length * scale);
      for (const tile of tiles) {
        const weights = blendWeights(tile, scale, 8);
        weights.forEach((weight, index) => {
          sums[tile.windowStart * scale + index]! += weight;
        });
        // The context strip of an inner side contributes nothing.
        if (tile.blendsBefore) assert.equal(weights[0], 0);
        if (tile.blendsAfter) assert.equal(weights.at(-1), 0);
      }
      for (const sum of sums) assert.ok(Math.abs(sum - 1) < 1e-6, `scale ${scale}: weight sum ${sum}`);
    }
  });

  it('rejects feathers that cannot blend', () => {
    assert.throws(() => planTiles(10, 10, { tileWidth: 32, tileHeight: 32, context: 4, feather: 3 }), RangeError);
    assert.throws(() => planTiles(10, 10, { tileWidth: 32, tileHeight: 8, context: 4, feather: 8 }), RangeError);
  });

  describe('grid from the memory budget', () => {
    const MB = 1024 * 1024;
    const request = (overrides: Partial<GridRequest>): GridRequest => ({
      width: 512,
      height: 512,
      budgetBytes: 512 * MB,
      bytesPerPixel: estimatedBytesPerInputPixel(2000, 2),
      context: 10,
      feather: 4,
      borderPad: 8,
      ...overrides,
    });
    /** The largest window the plan feeds the model, border pad included. */
    const largestWindow = (settings: GridRequest): number => {
      const grid = tileGridForBudget(settings);
      const plan = planTiles(settings.width, settings.height, { ...grid, context: settings.context, feather: settings.feather, borderPad: settings.borderPad });
      const size = (tile: AxisTile) =>
        tile.windowEnd - tile.windowStart + (tile.blendsBefore ? 0 : settings.borderPad) + (tile.blendsAfter ? 0 : settings.borderPad);
      return Math.max(...plan.columns.map(size)) * Math.max(...plan.rows.map(size));
    };
    const tileCount = (settings: GridRequest): number => {
      const grid = tileGridForBudget(settings);
      return planTiles(settings.width, settings.height, { ...grid, context: settings.context, feather: settings.feather, borderPad: settings.borderPad }).count;
    };

    it('sets the output image aside first: a 512 px input at x4 runs as one window, a 2048 px one in smaller windows', () => {
      const budget = 768 * MB;
      const slimX4 = estimatedBytesPerInputPixel(2000, 4);
      const small = { width: 512, height: 512, budgetBytes: modelWindowBudget(budget, 2048 * 2048 * 3), bytesPerPixel: slimX4 };
      assert.equal(tileCount(request(small)), 1);
      const large = { width: 2048, height: 2048, bytesPerPixel: slimX4 };
      const withOutput = request({ ...large, budgetBytes: modelWindowBudget(budget, 8192 * 8192 * 3) });
      assert.ok(largestWindow(withOutput) * slimX4 <= budget - 8192 * 8192 * 3);
      assert.ok(tileCount(withOutput) > tileCount(request({ ...large, budgetBytes: budget })));
      // Never below a quarter of the budget, however large the output.
      assert.equal(modelWindowBudget(budget, 10 * budget), budget / 4);
    });

    it('runs the whole image as one window when it fits', () => {
      assert.equal(tileCount(request({ width: 300, height: 200 })), 1);
      assert.equal(tileCount(request({ budgetBytes: 2048 * MB })), 1);
    });

    it('keeps every window within the budget, with more tiles for larger scales, heavier models and smaller budgets', () => {
      const base = request({ width: 2048, height: 2048 });
      const variants = [
        base,
        { ...base, bytesPerPixel: estimatedBytesPerInputPixel(2000, 4) },
        { ...base, bytesPerPixel: estimatedBytesPerInputPixel(6800, 2) },
        { ...base, budgetBytes: 96 * MB },
      ];
      for (const variant of variants) assert.ok(largestWindow(variant) * variant.bytesPerPixel <= variant.budgetBytes, JSON.stringify(variant));
      const [plain, x4, heavy, small] = variants.map(tileCount) as [number, number, number, number];
      assert.ok(x4 > plain && heavy > plain && small > plain, `${plain} ${x4} ${heavy} ${small}`);
    });

    it('splits into full-width strips rather than columns when the cost is the same', () => {
      const grid = tileGridForBudget(request({}));
      assert.equal(grid.tileWidth, 512, 'one column');
      assert.equal(grid.tileHeight, 256, 'two rows');
    });

    it('falls back to the smallest tiles when the budget cannot hold even those', () => {
      const grid = tileGridForBudget(request({ budgetBytes: 1024 }));
      assert.equal(grid.tileWidth, 512 / Math.floor(512 / MIN_TILE));
      assert.equal(grid.tileHeight, grid.tileWidth);
    });
  });
});
