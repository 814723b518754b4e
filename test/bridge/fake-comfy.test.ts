// The fake ComfyUI answers message by message as the recorded v0.3.64 server did
// (shared/comfyui-protocol.md): the bridge's other tests are only as good as this.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { ffprobePath } from '../../plugin/media/binaries.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import { FIXTURES, tempDir } from '../support/files.js';
import { waitFor } from '../support/wait.js';
import { collect, postJson } from './ws-collector.js';
import { HAPPY } from './workflows.js';


function clone<T>(value: T): T {
  return structuredClone(value);
}

describe('fake ComfyUI: protocol', function () {
  this.timeout(20_000);
  let comfy: FakeComfy;
  beforeEach(async () => {
    comfy = await startFakeComfy();
  });
  afterEach(async () => {
    await comfy.close();
  });

  it('sends status with sid on connect; without clientId the sid is a dashless hex id', async () => {
    const a = await collect(comfy.url, 'client-a');
    const b = await collect(comfy.url);
    await waitFor(() => a.messages.length && b.messages.length, 'status on connect');
    assert.deepEqual(a.messages[0], { type: 'status', data: { status: { exec_info: { queue_remaining: 0 } }, sid: 'client-a' } });
    assert.match(String(b.messages[0].data.sid), /^[0-9a-f]{32}$/);
    a.close();
    b.close();
  });

  it('runs the recorded happy workflow with the recorded message order, routed to its client only', async () => {
    const ws = await collect(comfy.url, 'me');
    const other = await collect(comfy.url, 'someone-else');
    const posted = await postJson(`${comfy.url}/prompt`, { prompt: HAPPY, client_id: 'me' });
    assert.equal(posted.status, 200);
    assert.equal(posted.contentType, 'application/json; charset=utf-8');
    const { prompt_id: promptId, number, node_errors } = posted.json as { prompt_id: string; number: number; node_errors: object };
    assert.match(promptId, /^[0-9a-f-]{36}$/);
    assert.equal(number, 0);
    assert.deepEqual(node_errors, {});
    await waitFor(() => ws.messages.find((m) => m.type === 'executing' && m.data.node === null), 'end marker');

    const types = ws.messages.slice(1).filter((m) => m.type !== 'progress_state').map((m) => (m.type === 'executing' ? `executing:${String(m.data.node)}` : m.type));
    assert.deepEqual(types, [
      'status',
      'status',
      'execution_start',
      'execution_cached',
      'executing:2',
      'executing:1',
      'executing:3',
      'executing:4',
      'executing:5',
      'executed',
      'execution_success',
      'status',
      'executing:null',
    ]);
    const executed = ws.messages.find((m) => m.type === 'executed');
    assert.deepEqual(executed?.data.output, { images: [{ filename: 'medialab_00001_.png', subfolder: '', type: 'output' }] });
    const states = ws.messages.filter((m) => m.type === 'progress_state');
    const last = states[states.length - 1].data.nodes as Record<string, { state: string }>;
    assert.deepEqual(Object.keys(last).sort(), ['1', '2', '3', '4', '5']);
    assert.ok(Object.values(last).every((s) => s.state === 'finished'));
    // The other socket only ever sees status broadcasts.
    assert.ok(other.messages.length > 1);
    assert.ok(other.messages.every((m) => m.type === 'status'));

    // A real blend: 64x48 -> 128x96, red + bluegreen at 0.5 = (127,127,0)
    const view = await fetch(`${comfy.url}/view?filename=medialab_00001_.png&subfolder=&type=output`);
    assert.equal(view.headers.get('content-type'), 'image/png');
    const { data, info } = await sharp(Buffer.from(await view.arrayBuffer())).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [128, 96]);
    assert.deepEqual([...data.subarray(0, 3)], [127, 127, 0]);

    const history = (await (await fetch(`${comfy.url}/history/${promptId}`)).json()) as Record<string, { prompt: unknown[]; status: { status_str: string; completed: boolean; messages: Array<[string]> }; outputs: object; meta: object }>;
    const entry = history[promptId];
    assert.deepEqual(entry.prompt.slice(0, 2), [0, promptId]);
    assert.deepEqual(entry.prompt[3], { client_id: 'me' });
    assert.deepEqual(entry.prompt[4], ['5']);
    assert.equal(entry.status.status_str, 'success');
    assert.equal(entry.status.completed, true);
    assert.deepEqual(entry.status.messages.map((m) => m[0]), ['execution_start', 'execution_cached', 'execution_success']);
    assert.deepEqual(entry.meta, { '5': { node_id: '5', display_node: '5', parent_node: null, real_node_id: '5' } });
    ws.close();
    other.close();
  });

  it('a fully cached re-run replays `executed` with the old file name and writes nothing new', async () => {
    const ws = await collect(comfy.url, 'me');
    const first = (await postJson(`${comfy.url}/prompt`, { prompt: HAPPY, client_id: 'me' })).json as { prompt_id: string };
    await ws.until('execution_success', first.prompt_id);
    await waitFor(() => comfy.history(first.prompt_id), 'history');
    const second = (await postJson(`${comfy.url}/prompt`, { prompt: HAPPY, client_id: 'me' })).json as { prompt_id: string; number: number };
    assert.equal(second.number, 1);
    await ws.until('execution_success', second.prompt_id);
    const msgs = ws.ofPrompt(second.prompt_id);
    assert.deepEqual(msgs.find((m) => m.type === 'execution_cached')?.data.nodes, ['1', '2', '3', '4', '5']);
    assert.equal(msgs.filter((m) => m.type === 'executing' && m.data.node !== null).length, 0);
    assert.deepEqual((msgs.find((m) => m.type === 'executed')?.data.output as { images: Array<{ filename: string }> }).images[0].filename, 'medialab_00001_.png');
    // Only SaveImage's prefix changed: nodes 1-4 cached, 5 runs and writes a new file.
    const changed = clone(HAPPY);
    changed['5'].inputs.filename_prefix = 'medialab2';
    const third = (await postJson(`${comfy.url}/prompt`, { prompt: changed, client_id: 'me' })).json as { prompt_id: string };
    await ws.until('execution_success', third.prompt_id);
    assert.deepEqual(ws.ofPrompt(third.prompt_id).find((m) => m.type === 'execution_cached')?.data.nodes, ['1', '2', '3', '4']);
    await waitFor(() => comfy.history(third.prompt_id), 'history');
    assert.equal((comfy.history(third.prompt_id)?.outputs['5'] as { images: Array<{ filename: string }> }).images[0].filename, 'medialab2_00001_.png');
    ws.close();
  });

  it('answers validation failures with the recorded 400 bodies and no WS messages', async () => {
    const ws = await collect(comfy.url, 'me');
    const post = (prompt: unknown) => postJson(`${comfy.url}/prompt`, { prompt, client_id: 'me' });

    let r = await post({ '1': { class_type: 'NoSuchNode', inputs: {} }, '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } } });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json, { error: { type: 'invalid_prompt', message: 'Cannot execute because node NoSuchNode does not exist.', details: "Node ID '#1'", extra_info: {} }, node_errors: {} });

    const missing = clone(HAPPY) as Record<string, { class_type: string; inputs: Record<string, unknown> }>;
    delete missing['3'].inputs.image2;
    r = await post(missing);
    assert.deepEqual(r.json, {
      error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details: '', extra_info: {} },
      node_errors: {
        '3': {
          errors: [{ type: 'required_input_missing', message: 'Required input is missing', details: 'image2', extra_info: { input_name: 'image2' } }],
          dependent_outputs: ['5'],
          class_type: 'ImageBlend',
        },
      },
    });

    const tooBig = clone(HAPPY);
    tooBig['3'].inputs.blend_factor = 5;
    r = await post(tooBig);
    const bigError = (r.json as { node_errors: Record<string, { errors: Array<{ type: string; message: string; extra_info: Record<string, unknown> }> }> }).node_errors['3'].errors[0];
    assert.equal(bigError.type, 'value_bigger_than_max');
    assert.equal(bigError.message, 'Value 5.0 bigger than max of 1.0');
    assert.equal(bigError.extra_info.received_value, 5);

    const notFloat = clone(HAPPY) as unknown as Record<string, { inputs: Record<string, unknown> }>;
    notFloat['3'].inputs.blend_factor = 'abc';
    r = await post(notFloat);
    const typeError = (r.json as { node_errors: Record<string, { errors: Array<{ type: string; message: string; details: string }> }> }).node_errors['3'].errors[0];
    assert.deepEqual([typeError.type, typeError.message], ['invalid_input_type', 'Failed to convert an input value to a FLOAT value']);
    assert.equal(typeError.details, "blend_factor, abc, could not convert string to float: 'abc'");

    const badCombo = clone(HAPPY);
    badCombo['4'].inputs.upscale_method = 'superres';
    r = await post(badCombo);
    const combo = (r.json as { node_errors: Record<string, { errors: Array<{ type: string; details: string }> }> }).node_errors['4'].errors[0];
    assert.equal(combo.type, 'value_not_in_list');
    assert.equal(combo.details, "upscale_method: 'superres' not in ['nearest-exact', 'bilinear', 'area', 'bicubic', 'lanczos']");

    const missingFile = clone(HAPPY);
    missingFile['1'].inputs.image = 'does-not-exist.png';
    r = await post(missingFile);
    const custom = (r.json as { node_errors: Record<string, { errors: Array<{ type: string; details: string }> }> }).node_errors['1'].errors[0];
    assert.deepEqual([custom.type, custom.details], ['custom_validation_failed', 'image - Invalid image file: does-not-exist.png']);

    const badLink = clone(HAPPY) as unknown as Record<string, { inputs: Record<string, unknown> }>;
    badLink['3'].inputs.image1 = ['99', 0];
    r = await post(badLink);
    const inner = (r.json as { node_errors: Record<string, { errors: Array<{ type: string; details: string; extra_info: Record<string, unknown> }> }> }).node_errors['3'].errors[0];
    assert.equal(inner.type, 'exception_during_inner_validation');
    assert.equal(inner.details, "'99'");
    assert.equal(inner.extra_info.exception_type, 'KeyError');

    const noOutput = clone(HAPPY) as Record<string, unknown>;
    delete noOutput['5'];
    r = await post(noOutput);
    assert.equal((r.json as { error: { type: string } }).error.type, 'prompt_no_outputs');
    r = await post({ '1': { inputs: { image: 'red.png' } }, '5': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } } });
    assert.equal((r.json as { error: { message: string } }).error.message, 'Cannot execute because a node is missing the class_type property.');
    r = await postJson(`${comfy.url}/prompt`, { client_id: 'me' });
    assert.deepEqual(r.json, { error: { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} }, node_errors: {} });
    r = await postJson(`${comfy.url}/prompt`, '{not json');
    assert.equal(r.status, 500);
    assert.equal(r.contentType, 'text/plain; charset=utf-8');
    assert.equal(r.text, '500 Internal Server Error\n\nServer got itself in trouble');

    // `number` counts rejected prompts too (10 validated ones; the unparseable body never got one)
    const ok = (await post(HAPPY)).json as { number: number };
    assert.equal(ok.number, 10);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const beforeOk = ws.messages.filter((m) => m.type !== 'status' && !(m.data.prompt_id && m.data.prompt_id === (ok as unknown as { prompt_id: string }).prompt_id));
    assert.deepEqual(beforeOk, [], 'validation failures send no WS messages');
    ws.close();
  });

  it('serves /view, /upload/image, /history, /queue, /interrupt and /ws like aiohttp does', async () => {
    const empty = async (path: string) => {
      const r = await fetch(`${comfy.url}${path}`);
      return [r.status, r.headers.get('content-type'), await r.text()];
    };
    assert.deepEqual(await empty('/view?filename=../../main.py&type=output'), [400, 'application/octet-stream', '']);
    assert.deepEqual(await empty('/view?filename=red.png&type=bogus'), [400, 'application/octet-stream', '']);
    assert.deepEqual(await empty('/view?filename=red.png'), [404, 'application/octet-stream', '']);
    assert.deepEqual(await empty('/view'), [404, 'application/octet-stream', '']);
    const input = await fetch(`${comfy.url}/view?filename=red.png&type=input`);
    assert.equal(input.headers.get('content-type'), 'image/png');
    const preview = await fetch(`${comfy.url}/view?filename=red.png&type=input&preview=webp;50`);
    assert.equal(preview.headers.get('content-type'), 'image/webp');
    assert.deepEqual(await (await fetch(`${comfy.url}/history/does-not-exist`)).json(), {});
    assert.deepEqual(await (await fetch(`${comfy.url}/object_info/NoSuchNode`)).json(), {});
    const ws = await fetch(`${comfy.url}/ws`);
    assert.equal(ws.status, 400);
    assert.equal(ws.headers.get('content-type'), 'text/plain; charset=utf-8');
    const interrupt = await fetch(`${comfy.url}/interrupt`, { method: 'POST' });
    assert.deepEqual([interrupt.status, interrupt.headers.get('content-type'), await interrupt.text()], [200, 'application/octet-stream', '']);
    const stats = (await (await fetch(`${comfy.url}/system_stats`)).json()) as { system: { comfyui_version: string } };
    assert.equal(stats.system.comfyui_version, '0.3.64');
    assert.deepEqual(await (await fetch(`${comfy.url}/api/queue`)).json(), { queue_running: [], queue_pending: [] });

    const upload = async (name: string, bytes: Buffer, fields: Record<string, string> = {}, field = 'image') => {
      const form = new FormData();
      form.set(field, new Blob([new Uint8Array(bytes)]), name);
      for (const [k, v] of Object.entries(fields)) form.set(k, v);
      const r = await fetch(`${comfy.url}/upload/image`, { method: 'POST', body: form });
      return { status: r.status, body: r.status === 200 ? await r.json() : await r.text() };
    };
    const red = readFileSync(join(FIXTURES, 'red.png'));
    assert.deepEqual(await upload('red.png', red), { status: 200, body: { name: 'red.png', subfolder: '', type: 'input' } });
    const other = readFileSync(join(FIXTURES, 'bluegreen.png'));
    assert.deepEqual(await upload('red.png', other), { status: 200, body: { name: 'red (1).png', subfolder: '', type: 'input' } });
    assert.deepEqual(await upload('red.png', other), { status: 200, body: { name: 'red (1).png', subfolder: '', type: 'input' } });
    assert.deepEqual(await upload('red.png', other, { overwrite: 'true' }), { status: 200, body: { name: 'red.png', subfolder: '', type: 'input' } });
    assert.deepEqual(await upload('red.png', red, { subfolder: 'lab' }), { status: 200, body: { name: 'red.png', subfolder: 'lab', type: 'input' } });
    assert.deepEqual(await upload('t.png', red, { type: 'temp' }), { status: 200, body: { name: 't.png', subfolder: '', type: 'temp' } });
    assert.deepEqual(await upload('red.png', red, {}, 'file'), { status: 400, body: '' });
    // lab/red.png is loadable but not listed
    const info = (await (await fetch(`${comfy.url}/object_info/LoadImage`)).json()) as { LoadImage: { input: { required: { image: [string[], object] } } } };
    assert.deepEqual(info.LoadImage.input.required.image[0], ['bluegreen.png', 'red (1).png', 'red.png']);
    assert.deepEqual(info.LoadImage.input.required.image[1], { image_upload: true });
  });

  it('POST /queue {delete} removes only a pending prompt; interrupt {prompt_id} only stops the running one, at a node boundary', async () => {
    comfy.timing.nodeDelayMs = 150;
    const ws = await collect(comfy.url, 'me');
    const long = (color: number) => ({
      '1': { class_type: 'EmptyImage', inputs: { width: 32, height: 32, batch_size: 1, color } },
      '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
      '3': { class_type: 'ImageInvert', inputs: { image: ['2', 0] } },
      '4': { class_type: 'PreviewImage', inputs: { images: ['3', 0] } },
    });
    const a = (await postJson(`${comfy.url}/prompt`, { prompt: long(1), client_id: 'me' })).json as { prompt_id: string };
    const b = (await postJson(`${comfy.url}/prompt`, { prompt: long(2), client_id: 'me' })).json as { prompt_id: string };
    const c = (await postJson(`${comfy.url}/prompt`, { prompt: long(3), client_id: 'me', front: true })).json as { prompt_id: string; number: number };
    assert.equal(c.number, -2);
    await waitFor(() => comfy.queue().queue_running.length === 1, 'one running');
    const running = comfy.queue().queue_running[0][1];
    assert.equal(running, a.prompt_id);
    // C (front) is next even though it came last
    const del = await fetch(`${comfy.url}/queue`, { method: 'POST', body: JSON.stringify({ delete: [b.prompt_id] }) });
    assert.deepEqual([del.status, await del.text()], [200, '']);
    assert.deepEqual(comfy.queue().queue_pending.map((i) => i[1]), [c.prompt_id]);
    await fetch(`${comfy.url}/interrupt`, { method: 'POST', body: JSON.stringify({ prompt_id: c.prompt_id }) }); // not running: ignored
    const first = await ws.until('executing', a.prompt_id);
    // Arrives while node 1 computes: node 1 finishes, `executing` for the next node goes out,
    // and the interrupt takes effect there (the boundary), as recorded on the real server.
    await fetch(`${comfy.url}/interrupt`, { method: 'POST', body: JSON.stringify({ prompt_id: a.prompt_id }) });
    const interrupted = await ws.until('execution_interrupted', a.prompt_id);
    const executing = ws.ofPrompt(a.prompt_id).filter((m) => m.type === 'executing' && m.data.node !== null).map((m) => m.data.node);
    assert.equal(first.data.node, '1');
    assert.equal(interrupted.data.node_id, executing[executing.length - 1], 'stopped at the node whose `executing` went out last');
    assert.deepEqual([...(interrupted.data.executed as string[])].sort(), executing.slice(0, -1).sort(), 'the nodes before it finished');
    assert.ok((interrupted.data.executed as string[]).includes('1'), 'the node computing when the interrupt came finished');
    assert.equal(interrupted.data.node_type, 'ImageInvert');
    assert.ok(!('traceback' in interrupted.data));
    await ws.until('execution_success', c.prompt_id);
    await waitFor(() => comfy.history(c.prompt_id), 'history of C');
    const historyA = comfy.history(a.prompt_id);
    assert.equal(historyA?.status.status_str, 'error');
    assert.equal(historyA?.status.completed, false);
    assert.ok(historyA?.status.messages.some(([type]) => type === 'execution_interrupted'));
    assert.deepEqual(await (await fetch(`${comfy.url}/history/${b.prompt_id}`)).json(), {});
    const order = ws.messages.filter((m) => m.type === 'execution_start').map((m) => m.data.prompt_id);
    assert.deepEqual(order, [a.prompt_id, c.prompt_id]);
    ws.close();
  });

  it('reports runtime errors with execution_error, then status, then executing null', async () => {
    const ws = await collect(comfy.url, 'me');
    const prompt = {
      '1': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 2, color: 0 } },
      '2': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 3, color: 16777215 } },
      '3': { class_type: 'ImageBlend', inputs: { image1: ['1', 0], image2: ['2', 0], blend_factor: 0.5, blend_mode: 'normal' } },
      '4': { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'rterr' } },
    };
    const { prompt_id: id } = (await postJson(`${comfy.url}/prompt`, { prompt, client_id: 'me' })).json as { prompt_id: string };
    const error = await ws.until('execution_error', id);
    assert.equal(error.data.node_id, '3');
    assert.equal(error.data.node_type, 'ImageBlend');
    assert.equal(error.data.exception_type, 'RuntimeError');
    assert.equal(error.data.exception_message, 'The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0\n');
    await waitFor(() => ws.messages.find((m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === id), 'end');
    const tail = ws.ofPrompt(id).slice(-2).map((m) => m.type);
    assert.deepEqual(tail, ['execution_error', 'executing']);
    assert.ok(!ws.ofPrompt(id).some((m) => m.type === 'execution_success'));
    const entry = comfy.history(id);
    assert.deepEqual([entry?.status.status_str, entry?.status.completed, entry?.outputs], ['error', false, {}]);
    ws.close();
  });

  it('runs audio nodes: EmptyAudio/LoadAudio -> SaveAudio writes real FLAC', async () => {
    const ws = await collect(comfy.url, 'me');
    const prompt = {
      '1': { class_type: 'LoadAudio', inputs: { audio: 'tone.wav' } },
      '2': { class_type: 'AudioAdjustVolume', inputs: { audio: ['1', 0], volume: -6 } },
      '3': { class_type: 'SaveAudio', inputs: { audio: ['2', 0], filename_prefix: 'audio/medialab' } },
      '6': { class_type: 'EmptyAudio', inputs: { duration: 0.5, sample_rate: 16000, channels: 1 } },
      '7': { class_type: 'SaveAudio', inputs: { audio: ['6', 0], filename_prefix: 'audio/empty' } },
    };
    const { prompt_id: id } = (await postJson(`${comfy.url}/prompt`, { prompt, client_id: 'me' })).json as { prompt_id: string };
    await ws.until('execution_success', id);
    const executed = ws.ofPrompt(id).filter((m) => m.type === 'executed');
    assert.deepEqual(executed.map((m) => m.data.output), [
      { audio: [{ filename: 'medialab_00001_.flac', subfolder: 'audio', type: 'output' }] },
      { audio: [{ filename: 'empty_00001_.flac', subfolder: 'audio', type: 'output' }] },
    ]);
    const view = await fetch(`${comfy.url}/view?filename=medialab_00001_.flac&subfolder=audio&type=output`);
    assert.equal(view.headers.get('content-type'), 'audio/flac');
    const dir = tempDir();
    const file = join(dir, 'out.flac');
    writeFileSync(file, Buffer.from(await view.arrayBuffer()));
    const probe = JSON.parse(execFileSync(ffprobePath, ['-v', 'error', '-show_streams', '-of', 'json', file]).toString()) as { streams: Array<{ codec_name: string; sample_rate: string; channels: number; duration_ts?: number; duration: string }> };
    assert.equal(probe.streams[0].codec_name, 'flac');
    assert.equal(probe.streams[0].sample_rate, '22050');
    assert.equal(probe.streams[0].channels, 1);
    assert.equal(Number(probe.streams[0].duration), 1);
    ws.close();
  });

  it('sends binary preview frames in both header layouts', async () => {
    const plain = await collect(comfy.url, 'plain');
    const flagged = await collect(comfy.url, 'flagged', { featureFlags: true });
    await flagged.until('feature_flags');
    assert.deepEqual(flagged.messages.find((m) => m.type === 'feature_flags')?.data, { supports_preview_metadata: true, max_upload_size: 104857600 });
    const prompt = { '1': { class_type: 'LoadImage', inputs: { image: 'red.png' } }, '2': { class_type: 'SaveImageWebsocket', inputs: { images: ['1', 0] } } };
    const one = (await postJson(`${comfy.url}/prompt`, { prompt, client_id: 'plain' })).json as { prompt_id: string };
    await plain.until('execution_success', one.prompt_id);
    const two = (await postJson(`${comfy.url}/prompt`, { prompt, client_id: 'flagged' })).json as { prompt_id: string };
    await flagged.until('execution_success', two.prompt_id);
    assert.equal(plain.frames[0].subarray(0, 16).toString('hex'), '000000010000000289504e470d0a1a0a');
    const f = flagged.frames[0];
    assert.equal(f.readUInt32BE(0), 4);
    const meta = JSON.parse(f.subarray(8, 8 + f.readUInt32BE(4)).toString()) as { prompt_id: string; image_type: string; node_id: string };
    assert.deepEqual([meta.prompt_id, meta.image_type, meta.node_id], [two.prompt_id, 'image/png', '2']);
    // plain: progress before the frame; flagged: frame before progress
    const before = (c: typeof plain) => c.order.findIndex((m) => m.type === '<binary>') < c.order.findIndex((m) => m.type === 'progress');
    assert.equal(before(plain), false);
    assert.equal(before(flagged), true);
    plain.close();
    flagged.close();
  });

  it('restart() forgets queue, history and cache, keeps files; stop() refuses connections', async () => {
    const ws = await collect(comfy.url, 'me');
    const { prompt_id: id } = (await postJson(`${comfy.url}/prompt`, { prompt: HAPPY, client_id: 'me' })).json as { prompt_id: string };
    await ws.until('execution_success', id);
    await waitFor(() => comfy.history(id), 'history');
    await comfy.restart();
    await waitFor(() => ws.ws.readyState === ws.ws.CLOSED, 'socket closed by restart');
    assert.deepEqual(await (await fetch(`${comfy.url}/history/${id}`)).json(), {});
    assert.equal((await fetch(`${comfy.url}/view?filename=medialab_00001_.png&type=output`)).status, 200);
    const again = (await postJson(`${comfy.url}/prompt`, { prompt: HAPPY })).json as { number: number };
    assert.equal(again.number, 0);
    await comfy.stop();
    await assert.rejects(fetch(`${comfy.url}/queue`));
    await comfy.start();
    assert.equal((await fetch(`${comfy.url}/queue`)).status, 200);
  });
});
