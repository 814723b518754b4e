// Enhance progress that moves: the first use of a model (its conversion to ONNX) is a stage of its
// own, and a large image that fits one window runs as row bands when that costs at most 5% more
// model input, each band a real step.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createEnhanceKind, enhanceParamsSchema } from '../../plugin/pipelines/enhance/index.js';
import { planTiles } from '../../plugin/pipelines/enhance/tile-plan.js';
import { PROGRESS_BAND_OVERHEAD, withProgressBands } from '../../plugin/pipelines/enhance/tile-size.js';
import { fakeContext } from '../support/fake-context.js';
import { rawImage, writeTemp } from '../support/media.js';
import { inputArtifact } from '../support/rows.js';

/** Rows fed to the model over all bands (border pad included), as the tiler plans them. */
function fedRows(height: number, tileHeight: number, context: number, feather: number, borderPad: number): number {
  const plan = planTiles(64, height, { tileWidth: 64, tileHeight, context, feather, borderPad });
  return plan.rows.reduce((sum, row) => sum + row.windowEnd - row.windowStart + (row.blendsBefore ? 0 : borderPad) + (row.blendsAfter ? 0 : borderPad), 0);
}

describe('enhance: progress stages', function () {
  this.timeout(120_000);

  it('adds row bands only as far as 5% more model input buys', () => {
    const geometry = { context: 10, feather: 4, borderPad: 8 };
    for (const height of [96, 256, 512, 1024, 2048, 3200]) {
      const banded = withProgressBands({ tileWidth: 512, tileHeight: height }, { height, ...geometry });
      const bands = Math.ceil(height / banded.tileHeight);
      const fed = fedRows(height, banded.tileHeight, geometry.context, geometry.feather, geometry.borderPad);
      const single = height + 2 * geometry.borderPad;
      assert.ok(fed <= single * (1 + PROGRESS_BAND_OVERHEAD), `${height} rows in ${bands} bands feed ${fed} rows, over 5% more than ${single}`);
      const more = Math.ceil(height / (bands + 1));
      if (more >= 32) assert.ok(fedRows(height, more, geometry.context, geometry.feather, geometry.borderPad) > single * (1 + PROGRESS_BAND_OVERHEAD), `${height}: one more band would still fit`);
      if (height <= 256) assert.equal(bands, 1, `${height} rows: too small to band`);
      if (height >= 512) assert.ok(bands >= 2, `${height} rows: banded`);
    }
    // A grid that already has more rows than 5% would buy keeps them.
    assert.equal(withProgressBands({ tileWidth: 64, tileHeight: 32 }, { height: 512, ...geometry }).tileHeight, 32);
  });

  it('reports "converting model (first use)" before loading, once per model cache', async () => {
    const cache = await mkdtemp(path.join(os.tmpdir(), 'media-lab-convert-stage-'));
    const directory = await mkdtemp(path.join(os.tmpdir(), 'media-lab-convert-input-'));
    try {
      const file = await writeTemp(directory, 'small.png', await rawImage(24, 16).png().toBuffer());
      const stagesOf = async () => {
        const kind = createEnhanceKind({ modelCacheDir: cache });
        const run = fakeContext({ params: enhanceParamsSchema.parse({ qualityPreset: 'balanced', scale: 2 }), job: { workflow: 'enhance' }, inputs: [{ artifact: inputArtifact(), path: file }], storeDir: null, laneConcurrency: 1 });
        try {
          await kind.executor!.run(run.ctx);
          // Stages in order, repeats in a row folded.
          return run.progress.map((update) => update.stage ?? '').filter((stage, index, all) => stage !== all[index - 1]);
        } finally {
          await run.cleanup();
          await kind.close();
        }
      };
      const first = await stagesOf();
      assert.deepEqual(first.slice(0, 4), ['checking input', 'loading model', 'converting model (first use)', 'loading model']);
      assert.ok(first.indexOf('converting model (first use)') < first.indexOf('upscaling'), first.join(' > '));
      const second = await stagesOf();
      assert.ok(!second.includes('converting model (first use)'), `the cached model is not converted again: ${second.join(' > ')}`);
    } finally {
      await rm(cache, { recursive: true, force: true });
      await rm(directory, { recursive: true, force: true });
    }
  });
});
