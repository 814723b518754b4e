// Progress must move: an enhance or interpolate job that runs longer than 5 s updates its progress
// at least every 2 s, with numbers that only go up. Asserted on the timestamps the WebSocket
// event stream carries (job.updated RUNNING -> job.progress `at` ... -> job.finished), not on sleeps.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { LabSocketMessage } from '../../contract/socket.js';
import { ffmpeg } from '../support/ffmpeg.js';
import { ADMIN, startTestLab, type TestLab } from '../support/lab.js';
import { rawImage } from '../support/media.js';
import { TEST_MODEL_CACHE } from '../support/onnx-models.js';
import { nextEvent } from '../support/wait.js';

const MAX_GAP_MS = 2000;
/** The rule is for jobs longer than this. */
const LONG_JOB_MS = 5000;

/**
 * Runs a job of growing size until one runs longer than 5 s: how long a given input takes depends
 * on the machine (a fast idle one finishes in under a second what a loaded one takes 10 s for), so
 * the size is found from the machine's own speed, not guessed.
 */
async function recordLongJob(what: string, run: (scale: number) => Promise<Recorded>): Promise<Recorded> {
  let scale = 1;
  for (let attempt = 1; ; attempt++) {
    const recorded = await run(scale);
    const duration = recorded.finishedAt - recorded.startedAt;
    if (duration > LONG_JOB_MS || attempt === 4) return recorded;
    scale *= Math.min(8, Math.ceil((LONG_JOB_MS * 1.5) / Math.max(duration, 100)));
  }
}

interface Recorded {
  startedAt: number;
  finishedAt: number;
  status: string;
  progress: Array<{ at: number; progress: number; stage: string | null }>;
}

/** Listens on the event stream and records one job's start, progress events and end. */
async function recordJob(t: TestLab, submit: () => Promise<string>, timeoutMs: number): Promise<Recorded> {
  const ws = new WebSocket(`${t.api.replace('http', 'ws')}/events?token=${ADMIN}`);
  const messages: LabSocketMessage[] = [];
  const listeners = new Set<(m: LabSocketMessage) => void>();
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as LabSocketMessage;
    messages.push(message);
    for (const listener of listeners) listener(message);
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  try {
    const id = await submit();
    const isEnd = (m: LabSocketMessage) => m.type === 'job.finished' && m.job.id === id;
    if (!messages.some(isEnd)) {
      await nextEvent<LabSocketMessage>((l) => (listeners.add(l), () => listeners.delete(l)), isEnd, `job ${id} to finish`, timeoutMs);
    }
    const mine = messages.filter((m) => (m.type === 'job.progress' ? m.id === id : (m.type === 'job.updated' || m.type === 'job.finished') && m.job.id === id));
    const running = mine.find((m) => m.type === 'job.updated' && m.job.status === 'RUNNING');
    const finished = mine.find((m) => m.type === 'job.finished');
    assert.ok(running?.type === 'job.updated' && running.job.startedAt, 'a RUNNING update with startedAt');
    assert.ok(finished?.type === 'job.finished' && finished.job.finishedAt);
    return {
      startedAt: Date.parse(running.job.startedAt),
      finishedAt: Date.parse(finished.job.finishedAt),
      status: finished.job.status,
      progress: mine.flatMap((m) => (m.type === 'job.progress' ? [{ at: Date.parse(m.at), progress: m.progress, stage: m.stage }] : [])),
    };
  } finally {
    ws.close();
  }
}

/** The longest time without news: start -> first progress -> ... -> last progress -> end. */
function assertCadence(recorded: Recorded, what: string): void {
  assert.equal(recorded.status, 'SUCCEEDED', what);
  const duration = recorded.finishedAt - recorded.startedAt;
  assert.ok(duration > LONG_JOB_MS, `${what} ran ${duration} ms: the test needs a job longer than 5 s`);
  const times = [recorded.startedAt, ...recorded.progress.map((p) => p.at), recorded.finishedAt];
  const gaps = times.slice(1).map((time, index) => time - times[index]!);
  const trail = recorded.progress.map((p) => `${p.at - recorded.startedAt}ms ${p.progress.toFixed(3)} ${p.stage}`).join('\n  ');
  assert.ok(Math.max(...gaps) <= MAX_GAP_MS, `${what}: a ${Math.max(...gaps)} ms gap without a progress update (job ${duration} ms):\n  ${trail}`);
  const values = recorded.progress.map((p) => p.progress);
  assert.deepEqual([...values].sort((a, b) => a - b), values, 'progress never goes back');
  assert.ok(new Set(values).size >= Math.floor(duration / MAX_GAP_MS), `the numbers move, not the same value resent:\n  ${trail}`);
}

describe('progress cadence of long local jobs', function () {
  this.timeout(900_000);
  let t: TestLab;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'media-lab-cadence-'));
    t = await startTestLab({ enhance: { modelCacheDir: TEST_MODEL_CACHE }, lease: { durationMs: 30_000, heartbeatMs: 1000 } });
  });
  after(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function upload(path: string, name: string): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(await readFile(path))]), name);
    const { body } = await t.json<{ id: string }>('/uploads', { method: 'POST', body: form });
    return body.id;
  }

  async function submit(body: object): Promise<string> {
    const { status, body: answer } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify(body) });
    assert.equal(status, 202, JSON.stringify(answer));
    return answer.id;
  }

  it('enhance (balanced x2 on a tall image, run as row bands) reports every band', async () => {
    const recorded = await recordLongJob('enhance', async (scale) => {
      // Taller first (one window wide, so it runs as bands), then wider past 16000 rows.
      const height = Math.min(16_000, 4000 * scale);
      const width = 48 * Math.ceil((4000 * scale) / height);
      const path = join(dir, `tall-${scale}.png`);
      await rawImage(width, height).png().toFile(path);
      const id = await upload(path, `tall-${scale}.png`);
      return recordJob(t, () => submit({ workflow: 'enhance', inputs: [id], params: { qualityPreset: 'balanced', scale: 2 } }), 300_000);
    });
    assertCadence(recorded, 'enhance');
    assert.ok(recorded.progress.some((p) => /band \d+ of \d+/.test(p.stage ?? '')), 'the stage names the band');
  });

  it('interpolate (quality, 60 -> 120 fps) reports as it goes', async () => {
    const recorded = await recordLongJob('interpolate', async (scale) => {
      const path = join(dir, `clip-${scale}.mp4`);
      await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=60', '-t', String(6 * scale), '-pix_fmt', 'yuv420p', '-c:v', 'libx264', path]);
      const id = await upload(path, `clip-${scale}.mp4`);
      return recordJob(t, () => submit({ workflow: 'interpolate', inputs: [id], params: { targetFps: 120, mode: 'quality' } }), 300_000);
    });
    assertCadence(recorded, 'interpolate');
    const trail = recorded.progress.map((p) => `${p.progress.toFixed(3)} ${p.stage}`).join('\n  ');
    assert.ok(recorded.progress.some((p) => /^analyzing \((frame index|scene cuts)\) \d+%$/.test(p.stage ?? '')), `the analysis reports its own progress:\n  ${trail}`);
    const firstInterpolating = recorded.progress.find((p) => p.stage === 'interpolating');
    assert.ok(firstInterpolating && firstInterpolating.progress >= 0.05, `interpolating starts where the analysis part ends:\n  ${trail}`);
  });
});
