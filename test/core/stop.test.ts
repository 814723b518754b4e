import { strict as assert } from 'node:assert';
import { MediaLabError, isAbortError } from '../../contract/errors.js';
import { JobStopped, abortedError, detaches, stopJob, stopOutcome, stopReasonOf } from '../../contract/stop.js';

// The one vocabulary for stopping a job: the worker aborts with it, executors read it back.
describe('stopping a job (contract/stop.ts)', () => {
  it('an executor learns the reason from its AbortSignal; the first stop wins', () => {
    const controller = new AbortController();
    assert.equal(stopReasonOf(controller.signal), null);
    stopJob(controller, 'lease-lost');
    stopJob(controller, 'cancelled');
    assert.equal(stopReasonOf(controller.signal), 'lease-lost');
    assert.ok(isAbortError(controller.signal.reason), 'a stop is an AbortError like any abort');
  });

  it('an abort that is not a stop has no reason', () => {
    const controller = new AbortController();
    controller.abort(new MediaLabError('CANCELLED', 'stop'));
    assert.equal(stopReasonOf(controller.signal), null);
    assert.equal(abortedError(controller.signal, () => new Error('fallback')), controller.signal.reason);
    const bare = new AbortController();
    bare.abort('no error');
    assert.equal(abortedError(bare.signal, () => new Error('fallback')).message, 'fallback');
  });

  it('only lease loss and shutdown leave the work running for a later attempt', () => {
    assert.deepEqual(
      (['cancelled', 'lease-lost', 'shutdown', 'timeout', null] as const).map((r) => detaches(r)),
      [false, true, true, false, false],
    );
  });

  it('says what each reason means for the job', () => {
    assert.deepEqual(stopOutcome('cancelled'), { next: 'CANCELLED' });
    assert.deepEqual(stopOutcome('lease-lost'), { next: 'untouched' });
    assert.deepEqual(stopOutcome('shutdown'), { next: 'QUEUED', refundAttempt: true });
    const timeout = stopOutcome('timeout');
    assert.equal(timeout.next, 'failed');
    if (timeout.next !== 'failed') return;
    assert.equal(timeout.error.code, 'TIMEOUT');
    assert.equal(timeout.error.transient, true);
    assert.ok(new JobStopped('timeout').message.length > 0);
  });
});
