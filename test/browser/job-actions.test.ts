// Which of two views of a job the web components keep (pure function, no browser needed).
import assert from 'node:assert/strict';
import type { Job } from '../../contract/job.js';
import { newerJob } from '../../web-components/job-actions.js';
import { runningJob } from '../support/rows.js';

describe('web components: newerJob', () => {
  const at = (ms: number) => new Date(Date.UTC(2026, 10, 22, 12, 0, 0, ms)).toISOString();
  const view = (status: Job['status'], ms: number): Job => ({ ...runningJob({ id: 'job-1' }), status, updatedAt: at(ms) }) as Job;

  it('keeps the later change and ignores an older answer that arrives late', () => {
    assert.equal(newerJob(view('RUNNING', 1), view('SUCCEEDED', 2)).status, 'SUCCEEDED');
    assert.equal(newerJob(view('SUCCEEDED', 2), view('RUNNING', 1)).status, 'SUCCEEDED');
  });

  it('within one millisecond, never undoes a final status with a running one', () => {
    assert.equal(newerJob(view('SUCCEEDED', 5), view('RUNNING', 5)).status, 'SUCCEEDED');
    assert.equal(newerJob(view('RUNNING', 5), view('SUCCEEDED', 5)).status, 'SUCCEEDED');
    // A retry comes later and does leave the final status.
    assert.equal(newerJob(view('FAILED', 5), view('QUEUED', 6)).status, 'QUEUED');
  });
});
