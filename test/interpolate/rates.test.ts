import { strict as assert } from 'node:assert';
import {
  allowedTargetFps,
  frameRatio,
  isAllowedTargetFps,
  outputFrameBoundary,
  parseRate,
  rateFromFps,
  resolveTargetRate,
} from '../../plugin/pipelines/interpolate/rates.js';

describe('interpolate: target frame-rate rule', () => {
  it('lists multiples and standard rates above a 60 fps source, up to 8x', () => {
    assert.deepEqual(allowedTargetFps(60), [72, 90, 100, 119.88, 120, 144, 180, 240, 300, 360, 420, 480]);
  });

  it('accepts 60 -> 120 and rejects 60 -> 95', () => {
    assert.equal(isAllowedTargetFps(60, 120), true);
    assert.equal(isAllowedTargetFps(60, 95), false);
  });

  it('accepts 23.976 -> 59.94 as the exact NTSC rate', () => {
    assert.deepEqual(resolveTargetRate('24000/1001', 59.94), { num: 60000, den: 1001 });
    assert.deepEqual(resolveTargetRate(23.976, 59.94), { num: 60000, den: 1001 });
  });

  it('gives exact multiples of NTSC sources (59.94 x 2 = 120000/1001)', () => {
    assert.deepEqual(resolveTargetRate('60000/1001', 119.88), { num: 120000, den: 1001 });
    assert.deepEqual(resolveTargetRate('24000/1001', 47.952), { num: 48000, den: 1001 });
  });

  it('rejects targets at or below the source and above 8x', () => {
    assert.equal(isAllowedTargetFps(60, 60), false);
    assert.equal(isAllowedTargetFps(60, 50), false);
    assert.equal(isAllowedTargetFps(24, 240), false); // 10x
    assert.equal(isAllowedTargetFps(30, 240), true); // 8x
  });

  it('has nothing to offer for an unknown rate', () => {
    assert.deepEqual(allowedTargetFps(0), []);
    assert.equal(isAllowedTargetFps('0/0', 120), false);
  });

  it('recognises NTSC decimals and parses fractions', () => {
    assert.deepEqual(rateFromFps(29.97), { num: 30000, den: 1001 });
    assert.deepEqual(rateFromFps(25), { num: 25, den: 1 });
    assert.deepEqual(parseRate('120/2'), { num: 60, den: 1 });
    assert.equal(parseRate('abc'), null);
  });

  it('maps source frames to output frames with round-half-up, in integers', () => {
    const ratio = frameRatio({ num: 24000, den: 1001 }, { num: 60000, den: 1001 }); // 5/2
    assert.deepEqual(ratio, { num: 5, den: 2 });
    assert.equal(outputFrameBoundary(48, ratio), 120);
    assert.equal(outputFrameBoundary(53, ratio), 133); // 132.5 rounds up
    assert.equal(outputFrameBoundary(120, { num: 2, den: 1 }), 240);
  });
});
