// Lineage for interpolate's model mode: a model-mode output is stale once its model file has
// other bytes or mode "model" runs another file; fast and quality outputs never go stale, and
// without a model configured there is nothing to compare.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterpolateKind } from '../../plugin/pipelines/interpolate/index.js';
import { modelIdentity } from '../../plugin/pipelines/interpolate/model-identity.js';
import { modelOptionsSchema } from '../../plugin/pipelines/interpolate/options.js';
import type { Artifact, Job, StaleCheck } from '../../plugin/core/types.js';
import { writeBlendModel } from '../support/onnx-models.js';

describe('interpolate: staleness of model-mode outputs', () => {
  let dir: string;
  let file: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'media-lab-interp-stale-'));
    file = join(dir, 'blend.onnx');
    await writeBlendModel(file);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const check = async (id: string, mode: string, modelFile = file): Promise<StaleCheck> => ({
    job: { id, params: { mode, targetFps: 120 } } as unknown as Job,
    outputs: [{ metadata: mode === 'model' ? { model: await modelIdentity(modelOptionsSchema.parse({ file: modelFile })) } : {} } as unknown as Artifact],
  });
  const staleness = (model?: string) => createInterpolateKind(model ? { model: { file: model } } : {}).staleness!;

  it('is fresh while the file is the same, and stale with both hashes once its bytes change', async () => {
    const steps = [await check('m', 'model'), await check('q', 'quality'), await check('f', 'fast')];
    assert.equal((await staleness(file)(steps)).size, 0);
    await writeFile(file, Buffer.concat([Buffer.from('changed'), Buffer.alloc(64)])); // other bytes, other size
    const stale = await staleness(file)(steps);
    assert.deepEqual([...stale.keys()], ['m'], 'only the model-mode output');
    const reason = stale.get('m')!;
    assert.equal(reason.code, 'MODEL_CHANGED');
    assert.match(reason.message, /^the interpolation model file \(blend\.onnx\) changed: sha256 [0-9a-f]{12} is now [0-9a-f]{12}$/);
    assert.notEqual(reason.recorded, reason.current);
    await writeBlendModel(file); // the same model again: fresh again
    assert.equal((await staleness(file)(steps)).size, 0);
  });

  it('is stale when mode "model" runs another file; nothing is compared without a model', async () => {
    const other = join(dir, 'other.onnx');
    await copyFile(file, other);
    const steps = [await check('m', 'model')];
    const stale = await staleness(other)(steps);
    assert.match(stale.get('m')!.message, /^mode "model" now runs other\.onnx \(.*other\.onnx\) instead of blend\.onnx$/);
    assert.equal((await staleness()(steps)).size, 0);
    assert.equal((await staleness(join(dir, 'missing.onnx'))(steps)).size, 0);
  });
});
