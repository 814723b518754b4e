// One onnxruntime session per model, shared by every job of the kind.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { convertWithCache } from '../../plugin/pipelines/enhance/converter/converted-model-cache.js';
import { locateNpmPackage } from '../../plugin/pipelines/enhance/npm-model-packages.js';
import { SessionPool, providerAbsent } from '../../plugin/pipelines/enhance/session-pool.js';
import { isMediaLabError } from '../support/assert.js';
import { TEST_MODEL_CACHE } from '../support/onnx-models.js';

describe('enhance session pool', () => {
  let onnxPath: string;
  let directory: string;

  before(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'media-lab-enhance-pool-'));
    const located = locateNpmPackage('@upscalerjs/esrgan-slim')!;
    onnxPath = (await convertWithCache({ name: 'esrgan-slim-x2', source: 'test', modelJsonPath: path.join(located.dir, 'models', 'x2', 'model.json') }, TEST_MODEL_CACHE)).onnxPath;
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('creates one session per model file and hands the same one to every caller', async () => {
    const pool = new SessionPool({ threads: 1, executionProviders: ['cpu'] });
    try {
      const [first, concurrent] = await Promise.all([pool.get(onnxPath), pool.get(onnxPath)]);
      const later = await pool.get(onnxPath);
      assert.equal(first.session, concurrent.session);
      assert.equal(first.session, later.session);
      assert.equal(pool.size, 1);
      assert.equal(first.executionProvider, 'cpu');
      assert.deepEqual([first.inputName, first.outputName], ['input', 'output']);
    } finally {
      await pool.dispose();
    }
    assert.equal(pool.size, 0);
  });

  it('releases a session left idle, never one in use, and loads it again on the next job', async () => {
    const pool = new SessionPool({ threads: 1, executionProviders: ['cpu'], idleMs: 60_000 });
    try {
      const first = await pool.get(onnxPath);
      let releasedDuringUse = -1;
      await pool.use(onnxPath, async () => {
        releasedDuringUse = await pool.releaseIdle(Date.now() + 120_000);
      });
      assert.equal(releasedDuringUse, 0, 'a session in use is kept');
      assert.equal(await pool.releaseIdle(Date.now() + 1_000), 0, 'recently used sessions are kept');
      assert.equal(await pool.releaseIdle(Date.now() + 120_000), 1);
      assert.equal(pool.size, 0);
      const again = await pool.get(onnxPath);
      assert.notEqual(again.session, first.session, 'a fresh session after release');
    } finally {
      await pool.dispose();
    }
  });

  it('fails an unreadable model with MODEL_UNAVAILABLE and tries again next time', async () => {
    const broken = path.join(directory, 'broken.onnx');
    await writeFile(broken, 'not a model');
    const pool = new SessionPool({ threads: 1, executionProviders: ['cpu'] });
    await assert.rejects(pool.get(broken), isMediaLabError('MODEL_UNAVAILABLE'));
    assert.equal(pool.size, 0, 'the failure is not cached');
    await pool.dispose();
  });

  it('says why a provider cannot load before asking onnxruntime (whose own attempt prints a red ERROR line)', async () => {
    assert.equal(providerAbsent('cpu'), null);
    const cuda = providerAbsent('cuda');
    if (cuda === null) return; // this machine has onnxruntime-node's CUDA libraries
    assert.match(cuda, /libonnxruntime_providers_cuda\.so|onnxruntime_providers_cuda\.dll|no cuda execution provider/);
    const logs: string[] = [];
    const pool = new SessionPool({ threads: 1, executionProviders: ['cuda', 'cpu'], log: (message) => logs.push(message) });
    try {
      assert.equal((await pool.get(onnxPath)).executionProvider, 'cpu');
      assert.deepEqual(logs, [`execution provider cuda is unavailable, trying the next one (${cuda})`]);
    } finally {
      await pool.dispose();
    }
  });
});
