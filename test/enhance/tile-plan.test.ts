import assert from 'node:assert/strict';
import { blendWeights, planAxis, planTiles } from '../../plugin/pipelines/enhance/tile-plan.js';
import { estimatedBytesPerInputPixel, tileSizeForBudget } from '../../plugin/pipelines/enhance/tile-size.js';

describe('enhance tile plan', () => {
  it('covers the axis with cores and clips windows to the image', () => {
    const tiles = planAxis(100, { tileSize: 32, context: 10, feather: 8 });
    assert.equal(tiles.length, 4);
    assert.equal(tiles[0]!.coreStart, 0);
    assert.equal(tiles.at(-1)!.coreEnd, 100);
    for (let index = 1; index < tiles.length; index++) assert.equal(tiles[index]!.coreStart, tiles[index - 1]!.coreEnd);
    assert.equal(tiles[0]!.windowStart, 0);
    assert.equal(tiles[1]!.windowStart, tiles[1]!.coreStart - 14);
    assert.equal(tiles.at(-1)!.windowEnd, 100);
  });

  it('gives one untiled window when the image fits in a tile', () => {
    const plan = planTiles(50, 40, { tileSize: 64, context: 10, feather: 8 });
    assert.equal(plan.count, 1);
    assert.deepEqual([plan.columns[0]!.windowStart, plan.columns[0]!.windowEnd], [0, 50]);
    assert.ok(blendWeights(plan.columns[0]!, 3, 8).every((weight) => weight === 1));
  });

  it('blend weights of all tiles sum to 1 at every output pixel', () => {
    for (const scale of [2, 3, 4]) {
      const length = 97;
      const tiles = planAxis(length, { tileSize: 24, context: 6, feather: 8 });
      const sums = new Float64Array(length * scale);
      for (const tile of tiles) {
        const weights = blendWeights(tile, scale, 8);
        weights.forEach((weight, index) => {
          sums[tile.windowStart * scale + index]! += weight;
        });
        // The context strip of an inner side contributes nothing.
        if (tile.blendsBefore) assert.equal(weights[0], 0);
      }
      for (const sum of sums) assert.ok(Math.abs(sum - 1) < 1e-6, `scale ${scale}: weight sum ${sum}`);
    }
  });

  it('rejects feathers that cannot blend', () => {
    assert.throws(() => planTiles(10, 10, { tileSize: 32, context: 4, feather: 3 }), RangeError);
    assert.throws(() => planTiles(10, 10, { tileSize: 8, context: 4, feather: 8 }), RangeError);
  });

  it('chooses smaller tiles for smaller budgets, larger scales and heavier models', () => {
    const budget = 96 * 1024 * 1024;
    const x2 = tileSizeForBudget(budget, estimatedBytesPerInputPixel(2000, 2), 10, 8);
    const x8 = tileSizeForBudget(budget, estimatedBytesPerInputPixel(2000, 8), 10, 8);
    const heavy = tileSizeForBudget(budget, estimatedBytesPerInputPixel(8000, 2), 10, 8);
    const small = tileSizeForBudget(budget / 4, estimatedBytesPerInputPixel(2000, 2), 10, 8);
    assert.ok(x8 < x2 && heavy < x2 && small < x2, `${x2} ${x8} ${heavy} ${small}`);
    const window = x8 + 2 * (10 + 4);
    assert.ok(window * window * estimatedBytesPerInputPixel(2000, 8) <= budget);
    assert.equal(tileSizeForBudget(1024, 4000, 10, 8), 32, 'never below the minimum tile');
    assert.equal(tileSizeForBudget(64 * 1024 ** 3, 2000, 10, 8) + 2 * (10 + 4), 320, 'windows stay at most 320 px, where onnxruntime is fastest');
  });
});
