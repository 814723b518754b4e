// GET <mount>/metrics (Prometheus text, per-lab registry) and repeated-failure alerts:
// /health degraded with the reason, `alert` / `alert.cleared` on the WebSocket.
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { ADMIN, USER, silentLogger, startTestLab, waitFor, type TestLab } from '../support/lab.js';
import { steppingKind } from '../support/kinds.js';
import { ADMIN_USER } from '../support/auth.js';
import { DATABASES } from '../support/db.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import type { Job } from '../../plugin/core/types.js';
import type { LabAlert } from '../../contract/alerts.js';
import { createPromptQueue } from '../../plugin/prompt-queue/index.js';
import { createHostTables } from '../support/prompt-queue-host.js';

const METRICS_TOKEN = 'scrape-me-please-0123456789';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Enough of the Prometheus text format for these tests: `name{a="b",...} value` lines. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    assert.ok(match, `unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

async function scrape(t: TestLab, token: string | null = METRICS_TOKEN): Promise<Sample[]> {
  const res = await t.fetch('/metrics', { token });
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

/** Resolves with the job once the lab's bus says it finished (the metrics count it on that same event). */
function finishedOnBus(t: TestLab): (id: string) => Promise<Job> {
  const seen = new Map<string, Job>();
  const waiting = new Map<string, (job: Job) => void>();
  t.lab.events.on('job.finished', (job) => {
    seen.set(job.id, job);
    waiting.get(job.id)?.(job);
  });
  return (id) => {
    const done = seen.get(id);
    return done ? Promise.resolve(done) : new Promise((resolve) => waiting.set(id, resolve));
  };
}

async function submit(t: TestLab, workflow: string, params: Record<string, unknown> = {}): Promise<string> {
  const { status, body } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow, params }) });
  assert.equal(status, 202, JSON.stringify(body));
  return body.id;
}

describe('metrics: GET /metrics', function () {
  let t: TestLab;
  let comfy: FakeComfy;
  let finished: (id: string) => Promise<Job>;

  before(async () => {
    comfy = await startFakeComfy();
    t = await startTestLab({
      kinds: [steppingKind('voice'), steppingKind('enhance')],
      metricsToken: METRICS_TOKEN,
      comfy: { backends: [{ name: 'gpu-a', url: comfy.url }, { name: 'gpu-down', url: 'http://127.0.0.1:9' }], healthIntervalMs: 100 },
    });
    finished = finishedOnBus(t);
  });
  after(async () => {
    await t.close();
    await comfy.close();
  });

  it('lets an admin or the metrics token in; 401 without or with a wrong token, 403 for a non-admin', async () => {
    assert.equal((await t.fetch('/metrics', { token: METRICS_TOKEN })).status, 200);
    assert.equal((await t.fetch('/metrics', { token: ADMIN })).status, 200);
    const wrong = await t.fetch('/metrics', { token: 'scrape-me-please-0123456780' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(wrong.headers.get('www-authenticate'), 'Bearer realm="media-lab"');
    assert.equal((await t.fetch('/metrics', { token: null })).status, 401);
    const user = await t.fetch('/metrics', { token: USER });
    assert.equal(user.status, 403);
    assert.equal(((await user.json()) as { code: string }).code, 'FORBIDDEN');
    // The token opens /metrics only, never the rest of the API.
    assert.equal((await t.fetch('/jobs', { token: METRICS_TOKEN })).status, 401);
  });

  it('counts finished jobs, failures by code and durations by kind', async () => {
    const ids = [await submit(t, 'voice', { steps: 2 }), await submit(t, 'voice'), await submit(t, 'voice', { failWith: 'permanent' })];
    const jobs = await Promise.all(ids.map(finished));
    assert.deepEqual(jobs.map((j) => j.status), ['SUCCEEDED', 'SUCCEEDED', 'FAILED']);

    const samples = await scrape(t);
    assert.equal(valueOf(samples, 'media_lab_jobs_finished_total', { kind: 'voice', status: 'SUCCEEDED' }), 2);
    assert.equal(valueOf(samples, 'media_lab_jobs_finished_total', { kind: 'voice', status: 'FAILED' }), 1);
    assert.equal(valueOf(samples, 'media_lab_jobs_finished_total', { kind: 'interpolate', status: 'SUCCEEDED' }), 0, 'every kind starts at 0');
    assert.equal(valueOf(samples, 'media_lab_job_failures_total', { kind: 'voice', code: 'EXECUTOR_FAILED' }), 1);
    assert.equal(valueOf(samples, 'media_lab_job_duration_seconds_count', { kind: 'voice', status: 'SUCCEEDED' }), 2);
    assert.equal(valueOf(samples, 'media_lab_job_duration_seconds_bucket', { kind: 'voice', status: 'SUCCEEDED', le: '+Inf' }), 2);
    assert.equal(valueOf(samples, 'media_lab_job_duration_seconds_count', { kind: 'voice', status: 'FAILED' }), 1);
    assert.ok((valueOf(samples, 'media_lab_job_duration_seconds_sum', { kind: 'voice', status: 'SUCCEEDED' }) ?? -1) >= 0);
    assert.equal(valueOf(samples, 'media_lab_jobs', { kind: 'voice', status: 'SUCCEEDED' }), 2);
    assert.equal(valueOf(samples, 'media_lab_jobs', { kind: 'voice', status: 'FAILED' }), 1);
    assert.equal(valueOf(samples, 'media_lab_jobs', { kind: 'blend', status: 'QUEUED' }), 0);
    assert.equal(valueOf(samples, 'media_lab_database_up'), 1);
    assert.equal(valueOf(samples, 'media_lab_failure_streak', { scope: 'kind', subject: 'voice' }), 1);
    assert.equal(valueOf(samples, 'media_lab_alerts'), 0);
  });

  it('reads queue depth and lane occupancy at scrape time', async () => {
    // The enhance lane holds one job: the first runs (long steps, cancelled below), the second waits.
    const running = await submit(t, 'enhance', { steps: 1000, stepMs: 20 });
    const started = new Promise<void>((resolve) => {
      const onProgress = (p: { id: string }) => {
        if (p.id !== running) return;
        t.lab.events.off('job.progress', onProgress);
        resolve();
      };
      t.lab.events.on('job.progress', onProgress);
    });
    await started;
    const waiting = await submit(t, 'enhance');
    // A workbench run of the same kind takes the workbench lane, not enhance's.
    const { job: bench } = await t.lab.jobs.submit(ADMIN_USER, { workflow: 'enhance', params: { steps: 1000, stepMs: 20 } }, { lane: 'workbench' });
    await waitFor(async () => (await t.lab.jobs.get(bench.id))?.status === 'RUNNING', 'the workbench run to start');
    try {
      const samples = await scrape(t);
      assert.equal(valueOf(samples, 'media_lab_lane_running', { kind: 'enhance' }), 1);
      assert.equal(valueOf(samples, 'media_lab_lane_limit', { kind: 'enhance' }), 1);
      assert.equal(valueOf(samples, 'media_lab_lane_running', { kind: 'voice' }), 0);
      assert.equal(valueOf(samples, 'media_lab_lane_running', { kind: 'workbench' }), 1);
      assert.equal(valueOf(samples, 'media_lab_lane_limit', { kind: 'workbench' }), 1);
      assert.equal(valueOf(samples, 'media_lab_queue_depth', { kind: 'enhance', state: 'ready' }), 1);
      assert.equal(valueOf(samples, 'media_lab_queue_depth', { kind: 'enhance', state: 'backoff' }), 0);
      assert.equal(valueOf(samples, 'media_lab_jobs', { kind: 'enhance', status: 'RUNNING' }), 2, 'the production job and the workbench run');
    } finally {
      await t.json(`/jobs/${bench.id}/cancel`, { method: 'POST' });
      await t.json(`/jobs/${waiting}/cancel`, { method: 'POST' });
      await t.json(`/jobs/${running}/cancel`, { method: 'POST' });
      await Promise.all([finished(running), finished(waiting), finished(bench.id)]);
    }
    const after = await scrape(t);
    assert.equal(valueOf(after, 'media_lab_jobs_finished_total', { kind: 'enhance', status: 'CANCELLED' }), 3);
    assert.equal(valueOf(after, 'media_lab_queue_depth', { kind: 'enhance', state: 'ready' }), 0);
  });

  it('reports each ComfyUI backend: up, queue depth, in flight', async () => {
    const samples = await waitFor(async () => {
      const s = await scrape(t);
      return valueOf(s, 'media_lab_backend_up', { backend: 'gpu-a' }) === 1 ? s : null;
    }, 'the pool to see the fake ComfyUI up');
    assert.equal(valueOf(samples, 'media_lab_backend_up', { backend: 'gpu-down' }), 0);
    assert.equal(valueOf(samples, 'media_lab_backend_queue_depth', { backend: 'gpu-a' }), 0);
    assert.equal(valueOf(samples, 'media_lab_backend_in_flight', { backend: 'gpu-a' }), 0);
  });

  it('shows the prompt-queue pause gauge per prompt type, set by the poller', async () => {
    await createHostTables(t.knex);
    let available = false;
    const queue = createPromptQueue(t.lab, { logger: silentLogger }, {
      availability: async () => ({ available, reachable: available ? ['gpu-a'] : [], unreachable: [], reason: available ? null : 'no backend answered' }),
    });
    await queue.migrate();
    assert.equal((await queue.pass()).paused, true);
    let samples = await scrape(t);
    for (const type of ['image', 'music', 'voice']) assert.equal(valueOf(samples, 'media_lab_prompt_queue_paused', { prompt_type: type }), 1, type);
    available = true;
    assert.equal((await queue.pass()).paused, false);
    samples = await scrape(t);
    assert.equal(valueOf(samples, 'media_lab_prompt_queue_paused', { prompt_type: 'music' }), 0);
    // A per-type pause (not built yet) sets one type alone.
    t.lab.metrics.setPromptQueuePaused('voice', true);
    samples = await scrape(t);
    assert.equal(valueOf(samples, 'media_lab_prompt_queue_paused', { prompt_type: 'voice' }), 1);
    assert.equal(valueOf(samples, 'media_lab_prompt_queue_paused', { prompt_type: 'image' }), 0);
  });

  it('keeps each lab in its own registry', async () => {
    const other = await startTestLab({ kinds: [steppingKind('voice')] });
    try {
      const samples = parseExposition(await (await other.fetch('/metrics')).text());
      assert.equal(valueOf(samples, 'media_lab_jobs_finished_total', { kind: 'voice', status: 'SUCCEEDED' }), 0);
      assert.equal(valueOf(samples, 'media_lab_backend_up', { backend: 'gpu-a' }), undefined);
      // No metricsToken configured: a bearer that is not a user is refused.
      assert.equal((await other.fetch('/metrics', { token: METRICS_TOKEN })).status, 401);
    } finally {
      await other.close();
    }
  });
});

describe('alerts: repeated failures', function () {
  let t: TestLab;
  let finished: (id: string) => Promise<Job>;
  const warnings: string[] = [];

  before(async () => {
    t = await startTestLab({
      kinds: [steppingKind('voice'), steppingKind('enhance')],
      alerts: { consecutiveFailures: 5 },
      logger: { info: () => undefined, error: () => undefined, warn: (message: string) => warnings.push(message) },
    });
    finished = finishedOnBus(t);
  });
  after(async () => t.close());

  function connect(): Promise<{ ws: WebSocket; messages: Array<{ type: string; alert?: LabAlert; clearedBy?: string }> }> {
    const ws = new WebSocket(`${t.api.replace('http', 'ws')}/events?token=${ADMIN}`);
    const messages: Array<{ type: string; alert?: LabAlert; clearedBy?: string }> = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data)) as { type: string }));
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve({ ws, messages }));
      ws.once('error', reject);
    });
  }

  async function failOne(): Promise<Job> {
    return finished(await submit(t, 'enhance', { failWith: 'permanent' }));
  }

  it('five enhance failures in a row: /health degraded with the reason, one warning, an alert on the socket; a success clears it', async () => {
    const { ws, messages } = await connect();
    try {
      // Only jobs subscribed to are relayed; alerts go to every client anyway.
      ws.send(JSON.stringify({ type: 'subscribe', jobIds: ['none-of-these'] }));
      await waitFor(async () => messages.some((m) => m.type === 'subscribed'), 'the subscription');

      for (let i = 0; i < 4; i++) await failOne();
      // A failure of another kind neither breaks nor extends the enhance streak.
      await finished(await submit(t, 'voice', { failWith: 'permanent' }));
      let health = (await t.json<{ status: string; alerts: LabAlert[]; ok: boolean }>('/health')).body;
      assert.equal(health.status, 'ok');
      assert.deepEqual(health.alerts, []);

      const fifth = await failOne();
      const alertMessage = await waitFor(async () => messages.find((m) => m.type === 'alert'), 'the alert message');
      assert.equal(alertMessage.alert?.reason, '5 enhance jobs failed in a row (last: EXECUTOR_FAILED)');
      assert.equal(alertMessage.alert?.id, 'kind:enhance');
      assert.equal(alertMessage.alert?.lastJobId, fifth.id);

      const res = await t.json<{ status: string; ok: boolean; alerts: LabAlert[] }>('/health');
      assert.equal(res.status, 200, 'degraded still answers 200');
      health = res.body;
      assert.equal(health.ok, true);
      assert.equal(health.status, 'degraded');
      assert.equal(health.alerts.length, 1);
      assert.deepEqual(
        { scope: health.alerts[0].scope, subject: health.alerts[0].subject, consecutiveFailures: health.alerts[0].consecutiveFailures, lastErrorCode: health.alerts[0].lastErrorCode },
        { scope: 'kind', subject: 'enhance', consecutiveFailures: 5, lastErrorCode: 'EXECUTOR_FAILED' },
      );
      assert.equal(warnings.filter((w) => w.includes('5 enhance jobs failed in a row')).length, 1);

      // A sixth failure updates the standing alert (no second warning).
      await failOne();
      await waitFor(async () => messages.filter((m) => m.type === 'alert').length === 2, 'the updated alert');
      assert.equal(messages.filter((m) => m.type === 'alert')[1].alert?.reason, '6 enhance jobs failed in a row (last: EXECUTOR_FAILED)');
      assert.equal(warnings.filter((w) => w.includes('enhance jobs failed in a row')).length, 1);

      const success = await finished(await submit(t, 'enhance'));
      assert.equal(success.status, 'SUCCEEDED');
      const cleared = await waitFor(async () => messages.find((m) => m.type === 'alert.cleared'), 'the alert.cleared message');
      assert.equal(cleared.alert?.id, 'kind:enhance');
      assert.equal(cleared.clearedBy, success.id);
      health = (await t.json<{ status: string; alerts: LabAlert[]; ok: boolean }>('/health')).body;
      assert.equal(health.status, 'ok');
      assert.deepEqual(health.alerts, []);
    } finally {
      ws.close();
    }
  });
});

for (const target of DATABASES) {
  target.describe(`metrics: the database gauges (${target.name})`, function () {
    let t: TestLab;
    before(async () => {
      // A transient failure waits a minute before its next attempt: long enough to see it in backoff.
      t = await startTestLab({ db: await target.create(), kinds: [steppingKind('music')], retry: { maxAttempts: 3, backoffBaseMs: 60_000, backoffMaxMs: 60_000 } });
    });
    after(async () => t.close());

    it('counts jobs by kind and status, and splits the queue into ready and backoff', async () => {
      const finished = finishedOnBus(t);
      const done = await finished(await submit(t, 'music'));
      assert.equal(done.status, 'SUCCEEDED');
      const requeued = new Promise<void>((resolve) => {
        const onUpdated = (job: Job) => {
          if (job.status !== 'QUEUED' || job.attempts !== 1) return;
          t.lab.events.off('job.updated', onUpdated);
          resolve();
        };
        t.lab.events.on('job.updated', onUpdated);
      });
      await submit(t, 'music', { failWith: 'transient' });
      await requeued;
      const samples = await scrape(t, ADMIN);
      assert.equal(valueOf(samples, 'media_lab_jobs', { kind: 'music', status: 'SUCCEEDED' }), 1);
      assert.equal(valueOf(samples, 'media_lab_jobs', { kind: 'music', status: 'QUEUED' }), 1);
      assert.equal(valueOf(samples, 'media_lab_queue_depth', { kind: 'music', state: 'backoff' }), 1);
      assert.equal(valueOf(samples, 'media_lab_queue_depth', { kind: 'music', state: 'ready' }), 0);
      assert.equal(valueOf(samples, 'media_lab_database_up'), 1);
    });
  });
}
