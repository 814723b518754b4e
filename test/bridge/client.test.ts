// The ComfyUI client against the fake server: submit and follow, progress, errors, cancel,
// dropped sockets, restarts, history lag, previews.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { backoffDelay } from '../../bridge/client/backoff.js';
import { parseBinaryFrame } from '../../bridge/client/binary-frames.js';
import { ComfyClient } from '../../bridge/client/comfy-client.js';
import { nodeWeight, PromptTracker } from '../../bridge/client/prompt-tracker.js';
import { ComfyLostError, ComfyRejectedError, ComfyUnreachableError } from '../../bridge/errors.js';
import type { ApiWorkflow, BinaryFrame, ComfyMessage, PromptProgress } from '../../bridge/types.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import { HAPPY } from './workflows.js';
import { waitFor } from '../support/wait.js';

const FAST = { reconnect: { baseMs: 20, maxMs: 200, giveUpAfterMs: 1_500 }, watchdogMs: 400, pollWhileDisconnectedMs: 100, historyRetryDelaysMs: [20, 50, 100] };

function happy(prefix = 'medialab'): ApiWorkflow {
  const wf = structuredClone(HAPPY) as unknown as ApiWorkflow;
  wf['5'].inputs.filename_prefix = prefix;
  return wf;
}

function slowChain(color: number): ApiWorkflow {
  return {
    '1': { class_type: 'EmptyImage', inputs: { width: 16, height: 16, batch_size: 1, color } },
    '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
    '3': { class_type: 'ImageInvert', inputs: { image: ['2', 0] } },
    '4': { class_type: 'ImageInvert', inputs: { image: ['3', 0] } },
    '5': { class_type: 'SaveImage', inputs: { images: ['4', 0], filename_prefix: `slow${color}` } },
  };
}

describe('ComfyClient', function () {
  this.timeout(20_000);
  let comfy: FakeComfy;
  let client: ComfyClient;
  beforeEach(async () => {
    comfy = await startFakeComfy();
    client = new ComfyClient({ name: 'fake', url: comfy.url, ...FAST });
  });
  afterEach(async () => {
    client.close();
    await comfy.close();
  });

  it('submits with its own prompt id and client id, follows to success, and weighs progress by nodes', async () => {
    const progress: PromptProgress[] = [];
    const promptId = `medialab-${randomUUID()}`;
    const { outcome } = await client.run(happy(), { promptId, onProgress: (p) => progress.push(p) });
    assert.equal(outcome.status, 'success');
    assert.equal(outcome.promptId, promptId);
    assert.deepEqual(outcome.status === 'success' && outcome.outputs['5'], { images: [{ filename: 'medialab_00001_.png', subfolder: '', type: 'output' }] });
    const posted = comfy.requests.find((r) => r.path === '/prompt' && r.method === 'POST')?.body as { prompt_id: string; client_id: string };
    assert.equal(posted.prompt_id, promptId);
    assert.equal(posted.client_id, client.clientId);
    const fractions = progress.map((p) => p.fraction);
    assert.deepEqual([...fractions].sort((a, b) => a - b), fractions, 'progress never goes back');
    assert.equal(fractions[fractions.length - 1], 1);
    assert.ok(progress.some((p) => p.classType === 'ImageBlend'));
    assert.ok(fractions.some((f) => f > 0 && f < 1));
  });

  it('counts cached nodes as done and keeps the replayed (old) file names of a cached re-run', async () => {
    await client.run(happy());
    const progress: PromptProgress[] = [];
    const { outcome } = await client.run(happy(), { onProgress: (p) => progress.push(p) });
    assert.equal(outcome.status, 'success');
    if (outcome.status !== 'success') return;
    assert.deepEqual(outcome.cachedNodes.sort(), ['1', '2', '3', '4', '5']);
    assert.equal((outcome.outputs['5'].images as Array<{ filename: string }>)[0].filename, 'medialab_00001_.png');
    assert.ok(progress.some((p) => p.cachedNodes === 5 && p.fraction === 1));
  });

  it('turns a 400 into COMFY_VALIDATION naming the node and the input', async () => {
    const wf = happy();
    wf['3'].inputs.blend_factor = 5;
    await assert.rejects(client.run(wf), (error: unknown) => {
      assert.ok(error instanceof ComfyRejectedError);
      assert.equal(error.code, 'COMFY_VALIDATION');
      assert.equal(error.transient, false);
      assert.match(error.message, /node 3 \(ImageBlend\) input "blend_factor": Value 5\.0 bigger than max of 1\.0/);
      return true;
    });
  });

  it('reports a runtime execution_error as an error outcome', async () => {
    const wf: ApiWorkflow = {
      '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 2, color: 0 } },
      '2': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 3, color: 0 } },
      '3': { class_type: 'ImageBlend', inputs: { image1: ['1', 0], image2: ['2', 0], blend_factor: 0.5, blend_mode: 'normal' } },
      '4': { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'x' } },
    };
    const { outcome } = await client.run(wf);
    assert.equal(outcome.status, 'error');
    if (outcome.status !== 'error') return;
    assert.deepEqual([outcome.failure.nodeId, outcome.failure.nodeType, outcome.failure.exceptionType], ['3', 'ImageBlend', 'RuntimeError']);
  });

  it('cancels its own running prompt with an interrupt, and its own pending prompt with a queue delete', async () => {
    comfy.timing.nodeDelayMs = 150;
    const foreign = await fetch(`${comfy.url}/prompt`, { method: 'POST', body: JSON.stringify({ prompt: slowChain(7) }) });
    const foreignId = ((await foreign.json()) as { prompt_id: string }).prompt_id;
    // ours waits behind the foreign prompt
    const pendingId = randomUUID();
    const pendingWatch = await client.watch(pendingId, { prompt: slowChain(8) });
    await client.submit(slowChain(8), { promptId: pendingId });
    pendingWatch.arm();
    assert.equal((await client.locate(pendingId)).state, 'pending');
    assert.equal(await client.cancel(pendingId), 'dequeued');
    const deleted = comfy.requests.find((r) => r.path === '/queue' && r.method === 'POST');
    assert.deepEqual(deleted?.body, { delete: [pendingId] });
    await assert.rejects(pendingWatch.outcome, ComfyLostError); // deleted prompts never reach history

    const runningId = randomUUID();
    const running = client.run(slowChain(9), { promptId: runningId });
    await waitFor(() => comfy.queue().queue_running[0]?.[1] === runningId, 'ours running');
    assert.equal(await client.cancel(runningId), 'interrupted');
    const { outcome } = await running;
    assert.equal(outcome.status, 'interrupted');
    assert.deepEqual(comfy.requests.find((r) => r.path === '/interrupt')?.body, { prompt_id: runningId });
    assert.equal(comfy.history(foreignId)?.status.status_str, 'success');
    assert.equal(await client.cancel('unknown-id'), 'not-found');
  });

  it('survives a dropped WebSocket mid-run: reconnects with backoff and settles from /queue and /history', async () => {
    comfy.timing.nodeDelayMs = 120;
    const promptId = randomUUID();
    const running = client.run(slowChain(1), { promptId });
    await waitFor(() => comfy.queue().queue_running.length, 'running');
    const before = comfy.socketsOpened();
    comfy.dropSockets();
    const { outcome } = await running;
    assert.equal(outcome.status, 'success');
    await waitFor(() => client.socketConnected(), 'socket back');
    assert.ok(comfy.socketsOpened() > before, 'the client reconnected');
  });

  it('finishes a prompt whose messages never came (the socket silently lost them): the watchdog asks /history', async () => {
    comfy.timing.nodeDelayMs = 100;
    const promptId = randomUUID();
    const running = client.run(slowChain(2), { promptId });
    await waitFor(() => comfy.queue().queue_running.length, 'running');
    // Another socket takes over our client id: the server now sends our messages there.
    const thief = new WebSocket(`${comfy.url.replace('http', 'ws')}/ws?clientId=${client.clientId}`);
    await new Promise((resolve) => thief.once('open', resolve));
    const { outcome } = await running;
    assert.equal(outcome.status, 'success');
    thief.close();
  });

  it('fails with COMFY_LOST when the server restarts mid-run and forgets the prompt', async () => {
    comfy.timing.nodeDelayMs = 150;
    const running = client.run(slowChain(3));
    await waitFor(() => comfy.queue().queue_running.length, 'running');
    await comfy.restart();
    await assert.rejects(running, (error: unknown) => error instanceof ComfyLostError && error.code === 'COMFY_LOST' && error.transient);
  });

  it('fails with COMFY_UNREACHABLE (retryable) when the server is gone for longer than giveUpAfterMs', async () => {
    comfy.timing.nodeDelayMs = 150;
    const running = client.run(slowChain(4));
    await waitFor(() => comfy.queue().queue_running.length, 'running');
    await comfy.stop();
    await assert.rejects(running, (error: unknown) => error instanceof ComfyUnreachableError && error.transient);
  });

  it('reads history again when it lags behind execution_success', async () => {
    comfy.timing.historyLagMs = 150;
    const { outcome } = await client.run(happy('lagging'));
    assert.equal(outcome.status, 'success');
    assert.ok(outcome.status === 'success' && outcome.outputs['5']);
  });

  it('locates prompts: pending, running, finished, unknown', async () => {
    comfy.timing.nodeDelayMs = 80;
    const a = randomUUID();
    const b = randomUUID();
    await client.submit(slowChain(5), { promptId: a });
    await client.submit(slowChain(6), { promptId: b });
    assert.equal((await client.locate(a)).state, 'running');
    assert.equal((await client.locate(b)).state, 'pending');
    await waitFor(async () => (await client.locate(b)).state === 'finished', 'b finished');
    const finished = await client.locate(a);
    assert.equal(finished.state === 'finished' && finished.outcome.status, 'success');
    assert.equal((await client.locate('never-submitted')).state, 'unknown');
    assert.deepEqual(Object.keys((await client.queuedPrompt(a)) ?? {}), []);
  });

  it('passes preview frames of its prompt to onPreview (event 4 carries the prompt id)', async () => {
    const frames: BinaryFrame[] = [];
    const wf: ApiWorkflow = { '1': { class_type: 'LoadImage', inputs: { image: 'red.png' } }, '2': { class_type: 'SaveImageWebsocket', inputs: { images: ['1', 0] } } };
    const { outcome } = await client.run(wf, { onPreview: (f) => frames.push(f) });
    assert.equal(outcome.status, 'success');
    assert.equal(frames.length, 1);
    assert.equal(frames[0].event === 'preview' && frames[0].mime, 'image/png');
  });

  it('cannot reach a server that is not there', async () => {
    const nowhere = new ComfyClient({ name: 'nowhere', url: 'http://127.0.0.1:9', reconnect: { baseMs: 10, maxMs: 50, giveUpAfterMs: 300 } });
    await assert.rejects(nowhere.http.systemStats(), ComfyUnreachableError);
    await assert.rejects(nowhere.run(happy()), (e: unknown) => e instanceof ComfyUnreachableError && e.code === 'COMFY_UNREACHABLE');
    nowhere.close();
  });
});

describe('client pieces', () => {
  it('parses both preview headers and text frames', () => {
    const png = Buffer.from('89504e470d0a1a0a0000', 'hex');
    const head1 = Buffer.alloc(8);
    head1.writeUInt32BE(1, 0);
    head1.writeUInt32BE(2, 4);
    assert.deepEqual(parseBinaryFrame(Buffer.concat([head1, png])), { event: 'preview', format: 'png', mime: 'image/png', image: png });
    const meta = Buffer.from(JSON.stringify({ node_id: '2', prompt_id: 'P', image_type: 'image/png' }));
    const head4 = Buffer.alloc(8);
    head4.writeUInt32BE(4, 0);
    head4.writeUInt32BE(meta.length, 4);
    const four = parseBinaryFrame(Buffer.concat([head4, meta, png]));
    assert.equal(four.event === 'preview' && four.promptId, 'P');
    const node = Buffer.from('7');
    const head3 = Buffer.alloc(8);
    head3.writeUInt32BE(3, 0);
    head3.writeUInt32BE(node.length, 4);
    assert.deepEqual(parseBinaryFrame(Buffer.concat([head3, node, Buffer.from('hello')])), { event: 'text', nodeId: '7', text: 'hello' });
    assert.equal(parseBinaryFrame(Buffer.alloc(3)).event, 'unknown');
  });

  it('weighs sampler nodes more and counts partial `progress` inside a node', () => {
    assert.equal(nodeWeight('KSampler'), 10);
    assert.equal(nodeWeight('F5TTSAudioInputs'), 10);
    assert.equal(nodeWeight('VAEDecode'), 1);
    const prompt: ApiWorkflow = {
      '1': { class_type: 'CheckpointLoaderSimple', inputs: {} },
      '2': { class_type: 'KSampler', inputs: {} },
      '3': { class_type: 'SaveImage', inputs: {} },
    };
    const t = new PromptTracker('P', prompt);
    const feed = (m: ComfyMessage) => t.apply(m);
    assert.equal(feed({ type: 'execution_start', data: { prompt_id: 'other' } }), false);
    feed({ type: 'execution_start', data: { prompt_id: 'P' } });
    feed({ type: 'execution_cached', data: { nodes: ['1'], prompt_id: 'P' } });
    assert.equal(t.progress().fraction, 1 / 12);
    feed({ type: 'executing', data: { node: '2', prompt_id: 'P' } });
    feed({ type: 'progress', data: { value: 5, max: 10, node: '2', prompt_id: 'P' } });
    assert.equal(t.progress().fraction, 6 / 12);
    assert.equal(t.progress().classType, 'KSampler');
    feed({ type: 'executing', data: { node: '3', prompt_id: 'P' } });
    assert.equal(t.progress().fraction, 11 / 12);
    feed({ type: 'execution_success', data: { prompt_id: 'P' } });
    assert.equal(t.progress().fraction, 1);
    assert.equal(t.outcome?.status, 'success');
  });

  it('backs off exponentially with jitter, capped', () => {
    const s = { baseMs: 100, maxMs: 1000 };
    assert.equal(backoffDelay(0, s, () => 0), 50);
    assert.equal(backoffDelay(0, s, () => 1), 100);
    assert.equal(backoffDelay(3, s, () => 1), 800);
    assert.equal(backoffDelay(10, s, () => 1), 1000);
    assert.equal(backoffDelay(10, s, () => 0), 500);
  });
});
