// FailureStreaks on its own: FAILED jobs in a row per kind and per backend, reset by a success,
// untouched by a cancel; alerts raised at the threshold and cleared by the next success.
import assert from 'node:assert/strict';
import { LabEventBus } from '../../plugin/events/bus.js';
import { FailureStreaks } from '../../plugin/metrics/failure-streaks.js';
import type { Job, JobStatus, WorkflowKind } from '../../plugin/core/types.js';
import type { LabAlert } from '../../contract/alerts.js';

let serial = 0;
function job(workflow: WorkflowKind, status: JobStatus, backend: string | null = null, errorCode: string | null = status === 'FAILED' ? 'COMFY_EXECUTION' : null): Job {
  const at = new Date().toISOString();
  return {
    id: `job-${++serial}`,
    workflow,
    preset: null,
    params: {},
    inputIds: [],
    status,
    progress: 1,
    stage: null,
    priority: 0,
    attempts: 1,
    maxAttempts: 3,
    runAfter: at,
    leaseOwner: null,
    leaseExpiresAt: null,
    cancelRequestedAt: null,
    errorCode,
    errorMessage: errorCode ? 'failed' : null,
    submittedBy: 'admin',
    parentJobId: null,
    stepId: null,
    reusedFromJobId: null,
    lane: null,
    runKey: null,
    outputRole: null,
    idempotencyKey: null,
    source: 'lab',
    sourceRef: null,
    backend,
    checkpoint: {},
    createdAt: at,
    startedAt: at,
    finishedAt: at,
    updatedAt: at,
  };
}

function setup(threshold = 3) {
  const bus = new LabEventBus();
  const warnings: string[] = [];
  const raised: LabAlert[] = [];
  const cleared: Array<{ alert: LabAlert; by: string }> = [];
  bus.on('alert', (a) => raised.push(a));
  bus.on('alert.cleared', (alert, by) => cleared.push({ alert, by }));
  const streaks = new FailureStreaks(bus, threshold, { warn: (m: string) => warnings.push(m), info: () => undefined });
  const finish = (j: Job) => bus.jobChanged(j);
  return { bus, streaks, warnings, raised, cleared, finish };
}

describe('FailureStreaks', () => {
  it('alerts per backend across kinds, and a success on that backend clears it', () => {
    const { streaks, raised, cleared, warnings, finish } = setup(3);
    finish(job('generate', 'FAILED', 'gpu-1'));
    finish(job('music', 'FAILED', 'gpu-1'));
    finish(job('generate', 'SUCCEEDED', 'gpu-2')); // resets generate's kind streak, not gpu-1's
    finish(job('voice', 'FAILED', 'gpu-1', 'COMFY_LOST'));
    assert.deepEqual(
      streaks.current().map((a) => a.reason),
      ['3 jobs on backend gpu-1 failed in a row (last: COMFY_LOST)'],
    );
    assert.equal(raised.length, 1);
    assert.equal(warnings.length, 1);
    const ok = job('blend', 'SUCCEEDED', 'gpu-1');
    finish(ok);
    assert.deepEqual(streaks.current(), []);
    assert.deepEqual(
      cleared.map((c) => [c.alert.id, c.by]),
      [['backend:gpu-1', ok.id]],
    );
  });

  it('counts per kind; a cancel neither resets nor counts; jobs without a backend count for their kind only', () => {
    const { streaks, finish } = setup(3);
    finish(job('enhance', 'FAILED', null, 'MODEL_UNAVAILABLE'));
    finish(job('enhance', 'CANCELLED'));
    finish(job('enhance', 'FAILED', null, 'MODEL_UNAVAILABLE'));
    assert.deepEqual(streaks.current(), []);
    finish(job('enhance', 'FAILED', null, 'MODEL_UNAVAILABLE'));
    const [alert] = streaks.current();
    assert.equal(alert.reason, '3 enhance jobs failed in a row (last: MODEL_UNAVAILABLE)');
    assert.deepEqual(
      streaks.counts().filter((c) => c.scope === 'backend'),
      [],
    );
  });

  it('counts one ending once, though the worker and the database watcher both report it', () => {
    const { streaks, finish } = setup(3);
    const failed = job('voice', 'FAILED');
    finish(failed);
    finish({ ...failed });
    assert.deepEqual(streaks.counts(), [{ scope: 'kind', subject: 'voice', count: 1 }]);
    // Retried and failed again: a new ending.
    finish({ ...failed, finishedAt: new Date(Date.parse(failed.finishedAt!) + 1000).toISOString() });
    assert.deepEqual(streaks.counts(), [{ scope: 'kind', subject: 'voice', count: 2 }]);
  });

  it('threshold 0 turns alerts off but keeps counting', () => {
    const { streaks, raised, finish } = setup(0);
    for (let i = 0; i < 10; i++) finish(job('interpolate', 'FAILED'));
    assert.deepEqual(streaks.current(), []);
    assert.equal(raised.length, 0);
    assert.deepEqual(streaks.counts(), [{ scope: 'kind', subject: 'interpolate', count: 10 }]);
  });

  it('stops listening when closed', () => {
    const { streaks, finish } = setup(1);
    streaks.close();
    finish(job('voice', 'FAILED'));
    assert.deepEqual(streaks.counts(), []);
  });
});
