import assert from 'node:assert/strict';
import type { Job } from '../../plugin/core/types.js';
import { LabEventBus } from '../../plugin/events/bus.js';
import { DatabaseChangeWatcher } from '../../plugin/events/db-watcher.js';
import { claimNextJob } from '../../plugin/jobs/claim.js';
import { insertJob, type NewJob } from '../../plugin/jobs/store.js';
import { transition } from '../../plugin/jobs/transition.js';
import { createTestDb } from '../support/db.js';
import { nextEvent } from '../support/wait.js';

const newJob: NewJob = { workflow: 'voice', preset: null, params: {}, inputIds: [], priority: 0, maxAttempts: 3, submittedBy: 'admin', idempotencyKey: null, source: 'lab', sourceRef: null };

// The database change watcher may read a job's final row between the worker's commit and the
// worker's own announcement of it: the job must still end once on this process's bus.
describe('job.finished once per ending', () => {
  it('the watcher reading the final row before the worker announces it makes one job.finished, not two', async () => {
    const db = await createTestDb();
    const bus = new LabEventBus();
    const watcher = new DatabaseChangeWatcher(db.knex, bus, 10);
    const finished: Job[] = [];
    const updated: string[] = [];
    bus.on('job.finished', (job) => finished.push(job));
    bus.on('job.updated', (job) => updated.push(job.status));
    try {
      watcher.start();
      await insertJob(db.knex, newJob);
      const running = (await claimNextJob(db.knex, { owner: 'w1', kinds: ['voice'], leaseMs: 60_000 }))!;
      bus.jobChanged(running);
      const succeed = () =>
        transition(db.knex, { id: running.id, from: ['RUNNING'], to: 'SUCCEEDED', actor: 'worker:w1', type: 'succeeded', leaseOwner: 'w1' });
      // The worker committed; before it announces the result, the watcher reads the row.
      const seen = nextEvent<Job>((l) => (bus.on('job.finished', l), () => bus.off('job.finished', l)), (j) => j.id === running.id, 'the watcher to see the ending');
      const result = (await succeed())!;
      await seen;
      bus.jobChanged(result.job);
      assert.equal(finished.length, 1, 'one job.finished for one ending');
      assert.deepEqual(updated.filter((s) => s === 'SUCCEEDED'), ['SUCCEEDED']);

      // A later ending of the same job (retried, run again) is a new one, announced again.
      const retried = (await transition(db.knex, { id: running.id, from: ['SUCCEEDED'], to: 'QUEUED', actor: 'admin', type: 'retried', patch: { attempts: 0 } }))!;
      bus.jobChanged(retried.job);
      const again = (await claimNextJob(db.knex, { owner: 'w1', kinds: ['voice'], leaseMs: 60_000 }))!;
      bus.jobChanged(again);
      const secondSeen = nextEvent<Job>((l) => (bus.on('job.finished', l), () => bus.off('job.finished', l)), (j) => j.id === running.id, 'the second ending');
      const second = (await transition(db.knex, { id: running.id, from: ['RUNNING'], to: 'FAILED', actor: 'worker:w1', type: 'failed', leaseOwner: 'w1' }))!;
      bus.jobChanged(second.job);
      await secondSeen;
      assert.deepEqual(finished.map((j) => j.status), ['SUCCEEDED', 'FAILED']);
    } finally {
      watcher.stop();
      await db.destroy();
    }
  });
});
