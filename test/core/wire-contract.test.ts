// One wire contract (contract/): the server's records and views fit its types at compile time,
// and what a running server actually sends parses with its schemas (strict ones: a private field
// such as a lease or a checkpoint that slips out fails here).
import { strict as assert } from 'node:assert';
import sharp from 'sharp';
import WebSocket from 'ws';
import type { z } from 'zod';
import { artifactDetailSchema, artifactRecordSchema, uploadedArtifactSchema, type ArtifactRecord } from '../../contract/artifact.js';
import { healthSchema, type Health } from '../../contract/health.js';
import { auditEventSchema, jobDetailSchema, jobSchema, submitJobResponseSchema, type AuditEvent, type Job as WireJob } from '../../contract/job.js';
import { kindListSchema } from '../../contract/kinds.js';
import { artifactSchema } from '../../contract/artifact.js';
import { itemsSchema, pageSchema } from '../../contract/pages.js';
import { problemSchema } from '../../contract/problem.js';
import type { PromptArtifact } from '../../contract/prompts.js';
import { labSocketMessageSchema, type JobProgress, type LabSocketMessage } from '../../contract/socket.js';
import type { Artifact, Job } from '../../plugin/core/types.js';
import type { JobProgressEvent } from '../../plugin/events/bus.js';
import type { healthReport } from '../../plugin/http/health.js';
import type { AuditEvent as StoredAuditEvent } from '../../plugin/jobs/events-store.js';
import type { PromptArtifactJson } from '../../plugin/prompt-queue/prompt-json.js';
import { ADMIN } from '../support/auth.js';
import { steppingKind } from '../support/kinds.js';
import { startTestLab, waitForStatus, type TestLab } from '../support/lab.js';

/** Compiles only when a value of type `Sent` can be read as `Expected`. */
function fits<Sent extends Expected, Expected>(): void {}

// The server's records are the wire records plus private fields; what it sends as-is fits.
fits<Job, WireJob>();
fits<Omit<Artifact, 'storageKey'>, ArtifactRecord>();
fits<StoredAuditEvent, AuditEvent>();
fits<JobProgressEvent, JobProgress>();
fits<Awaited<ReturnType<typeof healthReport>>, Health>();
fits<PromptArtifactJson, PromptArtifact>();

function parses<T extends z.ZodType>(schema: T, body: unknown, what: string): z.output<T> {
  const result = schema.safeParse(body);
  assert.ok(result.success, `${what}: ${result.success ? '' : JSON.stringify(result.error.issues.slice(0, 3))}`);
  return result.data;
}

describe('wire contract: what the server sends parses with contract/', function () {
  let t: TestLab;
  before(async () => {
    t = await startTestLab({ kinds: [steppingKind('voice')] });
  });
  after(async () => t.close());

  it('jobs: submit, list, detail, audit trail, cancel and retry answers carry no private field', async () => {
    const submitted = await t.json('/jobs', { method: 'POST', headers: { 'Idempotency-Key': 'wire-1' }, body: JSON.stringify({ workflow: 'voice', params: { steps: 2 } }) });
    assert.equal(submitted.status, 202);
    const { id } = parses(submitJobResponseSchema, submitted.body, 'POST /jobs');
    parses(jobDetailSchema, await waitForStatus(t, id, ['SUCCEEDED']), 'GET /jobs/:id');
    parses(pageSchema(jobSchema), (await t.json('/jobs')).body, 'GET /jobs');
    parses(itemsSchema(auditEventSchema), (await t.json(`/jobs/${id}/events`)).body, 'GET /jobs/:id/events');
    const conflict = await t.json(`/jobs/${id}/cancel`, { method: 'POST' });
    assert.equal(conflict.status, 409);
    assert.equal(parses(problemSchema, conflict.body, 'POST /jobs/:id/cancel (409)').currentStatus, 'SUCCEEDED');
    const queued = await t.json('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice', params: { steps: 200, stepMs: 50 } }) });
    const cancelled = await t.json(`/jobs/${(queued.body as { id: string }).id}/cancel`, { method: 'POST' });
    parses(jobSchema, cancelled.body, 'POST /jobs/:id/cancel');
    await waitForStatus(t, (queued.body as { id: string }).id, ['CANCELLED']);
    parses(jobSchema, (await t.json(`/jobs/${(queued.body as { id: string }).id}/retry`, { method: 'POST' })).body, 'POST /jobs/:id/retry');
    await t.json(`/jobs/${(queued.body as { id: string }).id}/cancel`, { method: 'POST' });
  });

  it('artifacts: upload, gallery page and detail carry no storage key', async () => {
    const bytes = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer();
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)]), 'wire.png');
    const uploaded = parses(uploadedArtifactSchema, (await t.json('/uploads', { method: 'POST', body: form })).body, 'POST /uploads');
    parses(pageSchema(artifactSchema), (await t.json('/artifacts')).body, 'GET /artifacts');
    parses(artifactDetailSchema, (await t.json(`/artifacts/${uploaded.id}`)).body, 'GET /artifacts/:id');
    assert.ok(artifactRecordSchema.safeParse({ ...uploaded, storageKey: 'x' }).success === false, 'the record schema is strict');
  });

  it('kinds, health and problems', async () => {
    parses(kindListSchema, (await t.json('/kinds')).body, 'GET /kinds');
    parses(healthSchema, (await t.json('/health')).body, 'GET /health');
    parses(problemSchema, (await t.json('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'nope' }) })).body, 'POST /jobs (422)');
    parses(problemSchema, (await t.json('/jobs', { token: null })).body, 'GET /jobs (401)');
  });

  it('the WebSocket sends hello and job events that parse as LabSocketMessage', async () => {
    const ws = new WebSocket(`${t.api.replace('http', 'ws')}/events?token=${ADMIN}`);
    const messages: LabSocketMessage[] = [];
    ws.on('message', (data) => messages.push(parses(labSocketMessageSchema, JSON.parse(String(data)), 'socket message')));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    try {
      const { body } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice', params: { steps: 2, stepMs: 30 } }) });
      const deadline = Date.now() + 10_000;
      while (!messages.some((m) => m.type === 'job.finished' && m.job.id === body.id)) {
        if (Date.now() > deadline) throw new Error('no job.finished');
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(messages[0].type, 'hello');
      assert.ok(messages.some((m) => m.type === 'job.progress' && m.id === body.id));
    } finally {
      ws.close();
    }
  });
});
