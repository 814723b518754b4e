import { strict as assert } from 'node:assert';
import { MediaLabError } from '../../plugin/core/errors.js';
import { liveProcessCount, startProcess } from '../../plugin/pipelines/interpolate/ffmpeg/process.js';
import { ffmpegChildren } from '../support/ffmpeg.js';

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

describe('interpolate: ffmpeg child processes', () => {
  it('reports a missing binary as EXECUTOR_UNAVAILABLE', async () => {
    const error = await rejectionOf(startProcess(['-version'], { label: 'testing', signal: new AbortController().signal, binary: '/nonexistent/ffmpeg' }).done);
    assert.ok(error instanceof MediaLabError);
    assert.equal(error.code, 'EXECUTOR_UNAVAILABLE');
  });

  it('reports a failed run with what ffmpeg said, without memory addresses', async () => {
    const error = await rejectionOf(startProcess(['-v', 'error', '-i', '/nonexistent/input.mp4', '-f', 'null', '-'], { label: 'testing', signal: new AbortController().signal }).done);
    assert.ok(error instanceof MediaLabError);
    assert.equal(error.code, 'EXECUTOR_FAILED');
    assert.equal(error.transient, false);
    assert.match(error.message, /testing.*No such file or directory/s);
  });

  it('kills the child on abort and settles only once it is gone', async () => {
    const controller = new AbortController();
    const proc = startProcess(['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=30', '-f', 'null', '-'], { label: 'testing', signal: controller.signal, stdout: true });
    assert.equal(liveProcessCount(), 1);
    controller.abort(new MediaLabError('CANCELLED', 'stop'));
    const error = await rejectionOf(proc.done);
    assert.ok(error instanceof MediaLabError && error.code === 'CANCELLED');
    assert.equal(liveProcessCount(), 0);
    assert.deepEqual(await ffmpegChildren(), []);
  });

  it('refuses to start once the signal has aborted', () => {
    const controller = new AbortController();
    controller.abort();
    assert.throws(() => startProcess(['-version'], { label: 'testing', signal: controller.signal }), { name: 'AbortError' });
  });
});
