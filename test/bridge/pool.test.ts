// The backend pool: least-loaded dispatch by weight, burst capacity only above the threshold,
// health checks, live queue depth from the WebSocket.
import { strict as assert } from 'node:assert';
import { comfyOptionsSchema, backendsFromUrlList } from '../../bridge/options.js';
import { BackendPool } from '../../bridge/pool/backend-pool.js';
import { ComfyUnreachableError } from '../../bridge/errors.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import { waitFor } from '../support/wait.js';

function poolOf(backends: Array<{ name: string; url: string; weight?: number; burst?: boolean; headers?: Record<string, string> }>, burstQueueThreshold = 2) {
  return new BackendPool(comfyOptionsSchema.parse({ backends, burstQueueThreshold, healthIntervalMs: 60_000, requestTimeoutMs: 2_000 }));
}

describe('backend pool', function () {
  this.timeout(20_000);

  it('dispatches to the least loaded backend relative to its weight', async () => {
    const pool = poolOf([
      { name: 'small', url: 'http://127.0.0.1:1', weight: 1 },
      { name: 'big', url: 'http://127.0.0.1:2', weight: 3 },
    ]);
    const [small, big] = pool.all();
    assert.equal(pool.pick().name, 'big', 'equal load: the bigger one first');
    big.queueRemaining = 4; // 4/3
    small.queueRemaining = 1; // 1/1
    assert.equal(pool.pick().name, 'small');
    small.inFlight = 2; // our own not-yet-reported submissions count too
    assert.equal(pool.pick().name, 'big');
    pool.markDown('big', 'test');
    assert.deepEqual(pool.rank().map((b) => b.name), ['small']);
    assert.throws(() => pool.pick(new Set(['small'])), ComfyUnreachableError);
    await pool.stop();
  });

  it('uses a burst backend only while every primary is deeper than the threshold', async () => {
    const pool = poolOf(
      [
        { name: 'gpu-1', url: 'http://127.0.0.1:1' },
        { name: 'gpu-2', url: 'http://127.0.0.1:2' },
        { name: 'cloud', url: 'http://127.0.0.1:3', burst: true },
      ],
      2,
    );
    const [one, two] = pool.all();
    one.queueRemaining = 2;
    two.queueRemaining = 5;
    assert.deepEqual(pool.rank().map((b) => b.name), ['gpu-1', 'gpu-2'], 'gpu-1 is at the threshold, not above it');
    one.queueRemaining = 3;
    assert.deepEqual(pool.rank().map((b) => b.name), ['cloud', 'gpu-1', 'gpu-2']);
    pool.markDown('gpu-1', 'x');
    pool.markDown('gpu-2', 'x');
    assert.deepEqual(pool.rank().map((b) => b.name), ['cloud'], 'no primary up: burst takes the work');
    pool.markDown('cloud', 'x');
    assert.throws(() => pool.pick(), (e: unknown) => e instanceof ComfyUnreachableError && /no healthy ComfyUI backend/.test(e.message));
    await pool.stop();
  });

  describe('against fake servers', () => {
    let primary: FakeComfy;
    let burst: FakeComfy;
    beforeEach(async () => {
      primary = await startFakeComfy({ nodeDelayMs: 100 });
      burst = await startFakeComfy({ requireHeaders: { authorization: 'Bearer cloud-key' } });
    });
    afterEach(async () => {
      await primary.close();
      await burst.close();
    });

    it('learns queue depth from status broadcasts and sends work to burst capacity only while the primary is busy', async () => {
      const pool = poolOf(
        [
          { name: 'primary', url: primary.url },
          { name: 'cloud', url: burst.url, burst: true, headers: { authorization: 'Bearer cloud-key' } },
        ],
        1,
      );
      pool.start();
      await waitFor(() => pool.all().every((b) => b.healthy === true), 'both healthy (the burst one with its auth header)');
      assert.equal(pool.pick().name, 'primary');
      const slow = {
        '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 1 } },
        '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
        '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'load' } },
      };
      for (let i = 0; i < 3; i++) {
        slow['1'].inputs.color = i;
        await fetch(`${primary.url}/prompt`, { method: 'POST', body: JSON.stringify({ prompt: slow }) });
      }
      await waitFor(() => (pool.get('primary')?.queueRemaining ?? 0) >= 2, 'the primary reported as busy');
      assert.equal(pool.pick().name, 'cloud');
      await waitFor(() => pool.get('primary')?.queueRemaining === 0, 'the primary drained', 10_000);
      assert.equal(pool.pick().name, 'primary');
      const status = pool.status();
      assert.deepEqual(status.map((s) => [s.name, s.burst, s.healthy]), [
        ['primary', false, true],
        ['cloud', true, true],
      ]);
      await pool.stop();
    });

    it('marks a backend down when its health check fails and up when it answers again', async () => {
      const pool = poolOf([
        { name: 'primary', url: primary.url },
        { name: 'no-auth', url: burst.url },
      ]);
      await pool.checkHealth();
      assert.equal(pool.get('primary')?.healthy, true);
      assert.equal(pool.get('no-auth')?.healthy, false, 'a 401 is not a healthy backend');
      assert.match(pool.get('no-auth')?.lastError ?? '', /401/);
      await primary.stop();
      await pool.checkHealth();
      assert.equal(pool.get('primary')?.healthy, false);
      await primary.start();
      await pool.checkHealth();
      assert.equal(pool.get('primary')?.healthy, true);
      await pool.stop();
    });
  });

  it('reads COMFYUI_URL style lists and validates options', () => {
    assert.deepEqual(backendsFromUrlList(' http://a:8188, http://b:8188 ,'), [
      { name: 'comfy-1', url: 'http://a:8188', weight: 1, burst: false },
      { name: 'comfy-2', url: 'http://b:8188', weight: 1, burst: false },
    ]);
    assert.deepEqual(backendsFromUrlList(undefined), []);
    const parsed = comfyOptionsSchema.parse({});
    assert.equal(parsed.burstQueueThreshold, 2);
    assert.equal(parsed.lost.policy, 'resubmit');
    assert.match(parsed.presetsDir, /comfy-workflows\/?$/);
    assert.throws(() => comfyOptionsSchema.parse({ backends: [{ name: 'x', url: 'ftp://nope' }] }), /http\(s\) URL/);
    assert.throws(
      () =>
        comfyOptionsSchema.parse({
          backends: [
            { name: 'x', url: 'http://a' },
            { name: 'x', url: 'http://b' },
          ],
        }),
      /unique/,
    );
  });
});
