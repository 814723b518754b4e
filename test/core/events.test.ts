import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { LabSocketMessage } from '../../contract/socket.js';
import { ADMIN, USER } from '../support/auth.js';
import { steppingKind } from '../support/kinds.js';
import { startTestLab, type TestLab } from '../support/lab.js';

/** The job a socket message is about, if any. */
function jobIdOf(message: LabSocketMessage): string | undefined {
  if (message.type === 'job.updated' || message.type === 'job.finished') return message.job.id;
  return message.type === 'job.progress' ? message.id : undefined;
}

function connect(t: TestLab, token: string | null): Promise<{ ws: WebSocket; events: LabSocketMessage[] }> {
  const url = `${t.api.replace('http', 'ws')}/events${token ? `?token=${token}` : ''}`;
  const ws = new WebSocket(url);
  const events: LabSocketMessage[] = [];
  ws.on('message', (data) => events.push(JSON.parse(String(data)) as LabSocketMessage));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, events }));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}

describe('WebSocket events', () => {
  let t: TestLab;
  before(async () => {
    t = await startTestLab({ kinds: [steppingKind('voice')] });
  });
  after(async () => t.close());

  it('refuses the upgrade with 401 without a user and 403 for a non-admin', async () => {
    await assert.rejects(connect(t, null), (e: { status?: number }) => e.status === 401);
    await assert.rejects(connect(t, USER), (e: { status?: number }) => e.status === 403);
  });

  it('delivers job.updated, job.progress and job.finished in order as they happen', async () => {
    const { ws, events } = await connect(t, ADMIN);
    try {
      const { body } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice', params: { steps: 4, stepMs: 120 } }) });
      const deadline = Date.now() + 10_000;
      while (!events.some((e) => e.type === 'job.finished' && e.job.id === body.id)) {
        if (Date.now() > deadline) throw new Error('no job.finished');
        await new Promise((r) => setTimeout(r, 20));
      }
      const mine = events.filter((e) => jobIdOf(e) === body.id);
      const statuses = mine.flatMap((e) => (e.type === 'job.updated' ? [e.job.status] : []));
      assert.deepEqual(statuses, ['QUEUED', 'RUNNING', 'SUCCEEDED']);
      const progress = mine.flatMap((e) => (e.type === 'job.progress' ? [e.progress] : []));
      assert.ok(progress.length >= 2, 'several progress events');
      assert.deepEqual([...progress].sort((a, b) => a - b), progress, 'progress never goes back');
      const order = mine.map((e) => e.type);
      assert.ok(order.indexOf('job.progress') > order.indexOf('job.updated'));
      assert.equal(order.at(-1), 'job.finished');
      assert.equal(events[0].type, 'hello');
    } finally {
      ws.close();
    }
  });

  it('narrows to subscribed job ids', async () => {
    const { ws, events } = await connect(t, ADMIN);
    try {
      ws.send(JSON.stringify({ type: 'subscribe', jobIds: ['not-this-one'] }));
      await new Promise((r) => setTimeout(r, 100));
      const { body } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice' }) });
      await new Promise((r) => setTimeout(r, 400));
      assert.ok(events.some((e) => e.type === 'subscribed'));
      assert.equal(events.filter((e) => jobIdOf(e) === body.id).length, 0);
    } finally {
      ws.close();
    }
  });
});
