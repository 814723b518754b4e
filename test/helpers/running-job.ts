// A Job as an executor sees it mid-run: claimed, leased, first attempt. For tests and benches
// that call executors directly, without the worker.
import { randomUUID } from 'node:crypto';
import type { Job } from '../../plugin/core/types.js';

export function runningJob(overrides: Partial<Job> = {}): Job {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    workflow: 'generate',
    preset: null,
    params: {},
    inputIds: [],
    status: 'RUNNING',
    progress: 0,
    stage: null,
    priority: 0,
    attempts: 1,
    maxAttempts: 3,
    runAfter: now,
    leaseOwner: 'test',
    leaseExpiresAt: null,
    cancelRequestedAt: null,
    errorCode: null,
    errorMessage: null,
    submittedBy: 'admin',
    idempotencyKey: null,
    source: 'lab',
    sourceRef: null,
    backend: null,
    checkpoint: {},
    createdAt: now,
    startedAt: now,
    finishedAt: null,
    updatedAt: now,
    ...overrides,
  };
}
