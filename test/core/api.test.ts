import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { ADMIN, USER } from '../support/auth.js';
import { steppingKind } from '../support/kinds.js';
import { startTestLab, waitForStatus, type TestLab } from '../support/lab.js';

async function png(width = 16, height = 12, color = { r: 200, g: 30, b: 30 }): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } }).png().toBuffer();
}

function form(bytes: Buffer, filename = 'file.bin', field = 'file'): FormData {
  const data = new FormData();
  data.append(field, new Blob([new Uint8Array(bytes)]), filename);
  return data;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('HTTP API', function () {
  let t: TestLab;
  before(async () => {
    t = await startTestLab({ kinds: [steppingKind('voice')], quotas: { maxActiveJobsPerUser: 50, maxSubmissionsPerDay: 1000 } });
  });
  after(async () => t.close());

  describe('access', () => {
    it('answers 401 with a reason and a WWW-Authenticate header without a user', async () => {
      const { status, body, res } = await t.json<{ detail: string }>('/jobs', { token: null });
      assert.equal(status, 401);
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.match(body.detail, /Authorization: Bearer/);
      assert.ok(res.headers.get('www-authenticate'));
    });

    it('answers 403 for a non-admin on every kind of route, naming the missing role', async () => {
      for (const [method, path] of [['GET', '/jobs'], ['POST', '/jobs'], ['GET', '/artifacts/x/content'], ['POST', '/uploads'], ['GET', '/health']]) {
        const { status, body } = await t.json<{ detail: string }>(path, { method, token: USER, body: method === 'POST' ? '{}' : undefined });
        assert.equal(status, 403, `${method} ${path}`);
        assert.match(body.detail, /admin/);
      }
    });

    it('answers 401 for an unknown token', async () => {
      const { status } = await t.json('/health', { token: 'nope' });
      assert.equal(status, 401);
    });
  });

  describe('POST /uploads', () => {
    it('stores an image, detects the format from the bytes and deduplicates by sha256', async () => {
      const bytes = await png(20, 10);
      const first = await t.json<Record<string, unknown>>('/uploads', { method: 'POST', body: form(bytes, 'looks-like.txt') });
      assert.equal(first.status, 201);
      assert.equal(first.body.kind, 'image');
      assert.equal(first.body.mime, 'image/png');
      assert.equal(first.body.width, 20);
      assert.equal(first.body.height, 10);
      assert.equal(first.body.role, 'input');
      assert.equal(first.body.contentUrl, `/api/media-lab/artifacts/${String(first.body.id)}/content`);
      assert.ok(!('storageKey' in first.body), 'where the file lies on the server is not sent');
      const again = await t.json<Record<string, unknown>>('/uploads', { method: 'POST', body: form(bytes, 'other-name.png') });
      assert.equal(again.status, 200);
      assert.equal(again.body.id, first.body.id);
      assert.equal(again.body.deduplicated, true);
    });

    it('rejects an unsupported file with 415 and leaves no file behind', async () => {
      const before = await filesUnder(join(t.dataDir, 'artifacts'));
      const { status, body } = await t.json<{ detail: string; code: string }>('/uploads', { method: 'POST', body: form(Buffer.from('just some text, not media at all'), 'x.png') });
      assert.equal(status, 415);
      assert.equal(body.code, 'UNSUPPORTED_FORMAT');
      assert.match(body.detail, /not a supported/);
      assert.deepEqual(await filesUnder(join(t.dataDir, 'artifacts')), before);
    });

    it('rejects a corrupt PNG with 422 and leaves no file behind', async () => {
      const before = await filesUnder(join(t.dataDir, 'artifacts'));
      const good = await png(64, 64, { r: 1, g: 2, b: 3 });
      const broken = Buffer.concat([good.subarray(0, 40), Buffer.alloc(30, 7)]);
      const { status, body } = await t.json<{ code: string }>('/uploads', { method: 'POST', body: form(broken) });
      assert.equal(status, 422);
      assert.equal(body.code, 'CORRUPT_INPUT');
      assert.deepEqual(await filesUnder(join(t.dataDir, 'artifacts')), before);
    });

    it('names the field when no file is sent', async () => {
      const data = new FormData();
      data.append('other', 'value');
      const { status, body } = await t.json<{ errors: Array<{ field: string }> }>('/uploads', { method: 'POST', body: data });
      assert.equal(status, 422);
      assert.equal(body.errors[0].field, 'file');
    });
  });

  describe('POST /jobs', () => {
    it('queues a job (202) and writes the audit event with the actor', async () => {
      const { status, body } = await t.json<{ id: string; status: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice', params: { steps: 1 } }) });
      assert.equal(status, 202);
      assert.equal(body.status, 'QUEUED');
      const events = await t.json<{ items: Array<{ type: string; actor: string; to: string }> }>(`/jobs/${body.id}/events`);
      assert.equal(events.body.items[0].type, 'submitted');
      assert.equal(events.body.items[0].actor, 'demo-admin');
      await waitForStatus(t, body.id, ['SUCCEEDED']);
    });

    it('names every invalid field in a 422', async () => {
      const { status, body } = await t.json<{ errors: Array<{ field: string }> }>('/jobs', {
        method: 'POST',
        body: JSON.stringify({ workflow: 'voice', params: { steps: 0, failWith: 'sometimes' } }),
      });
      assert.equal(status, 422);
      const fields = body.errors.map((e) => e.field).sort();
      assert.deepEqual(fields, ['params.failWith', 'params.steps']);
    });

    it('rejects an unknown workflow kind naming the field', async () => {
      const { status, body } = await t.json<{ errors: Array<{ field: string }> }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'paint' }) });
      assert.equal(status, 422);
      assert.equal(body.errors[0].field, 'workflow');
    });

    it('rejects unknown and missing inputs naming them', async () => {
      const unknown = await t.json<{ errors: Array<{ field: string; message: string }> }>('/jobs', {
        method: 'POST',
        body: JSON.stringify({ workflow: 'enhance', inputs: ['00000000-0000-7000-8000-000000000000'] }),
      });
      assert.equal(unknown.status, 422);
      assert.equal(unknown.body.errors[0].field, 'inputs[0]');
      assert.match(unknown.body.errors[0].message, /does not exist/);
      const missing = await t.json<{ errors: Array<{ field: string; message: string }> }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'enhance' }) });
      assert.equal(missing.status, 422);
      assert.equal(missing.body.errors[0].field, 'inputs');
    });

    it('rejects an input of the wrong media kind', async () => {
      const upload = await t.json<{ id: string }>('/uploads', { method: 'POST', body: form(await png(9, 9, { r: 9, g: 9, b: 9 })) });
      const { status, body } = await t.json<{ errors: Array<{ field: string; message: string }> }>('/jobs', {
        method: 'POST',
        body: JSON.stringify({ workflow: 'interpolate', inputs: [upload.body.id], params: { targetFps: 120 } }),
      });
      assert.equal(status, 422);
      assert.equal(body.errors[0].field, 'inputs[0]');
      assert.match(body.errors[0].message, /video/);
    });

    it('answers 400 for malformed JSON', async () => {
      const { status } = await t.json('/jobs', { method: 'POST', body: '{"workflow":', headers: { 'Content-Type': 'application/json' } });
      assert.equal(status, 400);
    });

    it('returns the same job for a repeated Idempotency-Key', async () => {
      const init = { method: 'POST', body: JSON.stringify({ workflow: 'voice', params: {} }), headers: { 'Idempotency-Key': 'abc-123' } };
      const a = await t.json<{ id: string }>('/jobs', init);
      const b = await t.json<{ id: string }>('/jobs', init);
      assert.equal(a.status, 202);
      assert.equal(b.status, 202);
      assert.equal(a.body.id, b.body.id);
      assert.equal(b.res.headers.get('idempotent-replayed'), 'true');
    });
  });

  describe('jobs and artifacts', () => {
    let jobId: string;
    before(async () => {
      const { body } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice', params: { outputs: 2 } }) });
      jobId = body.id;
      await waitForStatus(t, jobId, ['SUCCEEDED']);
    });

    it('GET /jobs/:id has progress, stage and the published outputs', async () => {
      const { body } = await t.json<{ progress: number; stage: string; outputs: Array<{ id: string; published: boolean; contentUrl: string }> }>(`/jobs/${jobId}`);
      assert.equal(body.progress, 1);
      assert.equal(body.stage, 'done');
      assert.equal(body.outputs.length, 2);
      assert.ok(body.outputs.every((o) => o.published));
    });

    it('GET /jobs pages newest first with a cursor and filters by status', async () => {
      for (let i = 0; i < 3; i++) await t.json('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice' }) });
      const page1 = await t.json<{ items: Array<{ id: string }>; nextCursor: string }>('/jobs?limit=2');
      assert.equal(page1.body.items.length, 2);
      assert.ok(page1.body.items[0].id > page1.body.items[1].id);
      const page2 = await t.json<{ items: Array<{ id: string }> }>(`/jobs?limit=2&cursor=${page1.body.nextCursor}`);
      assert.ok(page2.body.items[0].id < page1.body.items[1].id);
      const succeeded = await t.json<{ items: Array<{ status: string }> }>('/jobs?status=SUCCEEDED&limit=100');
      assert.ok(succeeded.body.items.length >= 1);
      assert.ok(succeeded.body.items.every((j) => j.status === 'SUCCEEDED'));
      const bad = await t.json<{ errors: Array<{ field: string }> }>('/jobs?status=DONE');
      assert.equal(bad.status, 422);
      assert.match(bad.body.errors[0].field, /^query\.status/);
    });

    it('GET /jobs/:id is 404 for an unknown job', async () => {
      assert.equal((await t.json('/jobs/nope')).status, 404);
      assert.equal((await t.json('/jobs/nope/events')).status, 404);
      assert.equal((await t.json('/jobs/nope/cancel', { method: 'POST' })).status, 404);
    });

    it('cancel and retry of a finished job are 409 with the current status', async () => {
      const cancel = await t.json<{ currentStatus: string }>(`/jobs/${jobId}/cancel`, { method: 'POST' });
      assert.equal(cancel.status, 409);
      assert.equal(cancel.body.currentStatus, 'SUCCEEDED');
      const retry = await t.json<{ currentStatus: string }>(`/jobs/${jobId}/retry`, { method: 'POST' });
      assert.equal(retry.status, 409);
    });

    it('serves artifact content with its type, an ETag and HTTP ranges', async () => {
      const { body } = await t.json<{ outputs: Array<{ id: string; bytes: number; sha256: string }> }>(`/jobs/${jobId}`);
      const out = body.outputs[0];
      const full = await t.fetch(`/artifacts/${out.id}/content`);
      assert.equal(full.status, 200);
      assert.equal(full.headers.get('content-type'), 'image/png');
      assert.equal(full.headers.get('etag'), `"${out.sha256}"`);
      assert.equal((await full.arrayBuffer()).byteLength, out.bytes);
      const ranged = await t.fetch(`/artifacts/${out.id}/content`, { headers: { Range: 'bytes=0-3' } });
      assert.equal(ranged.status, 206);
      assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      const cached = await t.fetch(`/artifacts/${out.id}/content`, { headers: { 'If-None-Match': `"${out.sha256}"` } });
      assert.equal(cached.status, 304);
      const thumb = await t.fetch(`/artifacts/${out.id}/thumbnail?size=32`);
      assert.equal(thumb.headers.get('content-type'), 'image/webp');
    });

    it('GET /artifacts/:id traces lineage back to the uploaded source', async () => {
      const upload = await t.json<{ id: string }>('/uploads', { method: 'POST', body: form(await png(5, 5, { r: 5, g: 50, b: 5 })) });
      const job = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice', inputs: [upload.body.id] }) });
      const done = await waitForStatus(t, job.body.id, ['SUCCEEDED']);
      const outputId = (done.outputs as Array<{ id: string }>)[0].id;
      const { body } = await t.json<{ parentIds: string[]; lineage: Array<{ id: string; role: string }>; metadata: { submittedBy: string } }>(`/artifacts/${outputId}`);
      assert.deepEqual(body.parentIds, [upload.body.id]);
      assert.equal(body.lineage[0].id, upload.body.id);
      assert.equal(body.lineage[0].role, 'input');
      assert.ok(!('storageKey' in body) && !('storageKey' in body.lineage[0]), 'storage keys stay on the server');
      assert.equal(body.metadata.submittedBy, 'demo-admin');
      const gallery = await t.json<{ items: Array<{ id: string }> }>('/artifacts?kind=image&role=output&limit=200');
      assert.ok(gallery.body.items.some((a) => a.id === outputId));
    });

    it('GET /artifacts/:id is 404 for an unknown artifact', async () => {
      assert.equal((await t.json('/artifacts/nope')).status, 404);
      assert.equal((await t.json('/artifacts/nope/content')).status, 404);
    });
  });

  describe('health, kinds and OpenAPI', () => {
    it('GET /health reports the database, queue depth, live workers and executors', async () => {
      const { status, body } = await t.json<{ ok: boolean; queue: Record<string, number>; workers: { live: number }; executors: Record<string, { available: boolean }> }>('/health');
      assert.equal(status, 200);
      assert.equal(body.ok, true);
      assert.equal(typeof body.queue.QUEUED, 'number');
      assert.ok(body.workers.live >= 1);
      assert.equal(body.executors.voice.available, true);
      assert.deepEqual(Object.keys(body.executors).sort(), ['blend', 'enhance', 'generate', 'interpolate', 'music', 'voice']);
    });

    it('GET /openapi.json is an OpenAPI 3.1 document built from the zod schemas', async () => {
      const { body } = await t.json<{ openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, { properties?: Record<string, unknown> }> } }>('/openapi.json');
      assert.equal(body.openapi, '3.1.0');
      assert.ok(body.paths['/api/media-lab/jobs'], 'paths carry the mount');
      assert.ok(body.components.schemas.SubmitJobBase.properties?.workflow);
      assert.ok(body.components.schemas.voiceParams.properties?.steps);
      // The rest (validity, every route, per-kind schemas, the answer checker): test/core/openapi.test.ts.
    });

    it('unknown routes are 404 problem+json', async () => {
      const { status, res } = await t.json('/nothing-here');
      assert.equal(status, 404);
      assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
    });
  });
});

describe('quotas', () => {
  it('answers 429 with Retry-After past the active-jobs and daily limits', async () => {
    const t = await startTestLab({ kinds: [steppingKind('voice')], quotas: { maxActiveJobsPerUser: 2, maxSubmissionsPerDay: 3 }, worker: { enabled: false } });
    try {
      const submit = () => t.json<{ detail: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice' }) });
      assert.equal((await submit()).status, 202);
      assert.equal((await submit()).status, 202);
      const active = await submit();
      assert.equal(active.status, 429);
      assert.ok(Number(active.res.headers.get('retry-after')) > 0);
      assert.match(active.body.detail, /active jobs/);
      const { body: list } = await t.json<{ items: Array<{ id: string }> }>('/jobs');
      await t.json(`/jobs/${list.items[0].id}/cancel`, { method: 'POST' });
      assert.equal((await submit()).status, 202);
      await t.json(`/jobs/${list.items[1].id}/cancel`, { method: 'POST' });
      const daily = await submit();
      assert.equal(daily.status, 429);
      assert.match(daily.body.detail, /24 hours/);
    } finally {
      await t.close();
    }
  });

  it('fails start-up with a message naming an invalid option', async () => {
    await assert.rejects(startTestLab({ lanes: { enhance: 0 } } as never), /option "lanes\.enhance"/);
  });
});

export { ADMIN };

describe('pipeline options', () => {
  it('a bad pipeline option fails start-up naming it', async () => {
    await assert.rejects(startTestLab({ enhance: { memoryBudgetMB: 1 } }), /option "enhance\.memoryBudgetMB"/);
    await assert.rejects(startTestLab({ interpolate: { encoder: { crf: 99 } } }), /option "interpolate\.encoder\.crf"/);
  });
});

describe('publishing presets from the ComfyUI editor (CORS)', () => {
  it('answers the preflight for a configured editor origin, and refuses a wildcard origin at start-up', async () => {
    const t = await startTestLab({ comfy: { corsOrigins: ['http://gpu-box:8188'] } });
    try {
      const preflight = await t.fetch('/presets', {
        method: 'OPTIONS',
        token: null,
        headers: { Origin: 'http://gpu-box:8188', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' },
      });
      assert.ok(preflight.status < 300, `preflight answered ${preflight.status}`);
      assert.equal(preflight.headers.get('access-control-allow-origin'), 'http://gpu-box:8188');
      const other = await t.fetch('/presets', { method: 'OPTIONS', token: null, headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' } });
      assert.equal(other.headers.get('access-control-allow-origin'), null);
      const unauthenticated = await t.fetch('/presets', { method: 'POST', token: null, body: '{}', headers: { Origin: 'http://gpu-box:8188' } });
      assert.equal(unauthenticated.status, 401, 'the publish itself still needs an admin');
    } finally {
      await t.close();
    }
    await assert.rejects(startTestLab({ comfy: { corsOrigins: ['*'] } }), /option "comfy\.corsOrigins\.0"/);
  });
});

describe('upload size limit', () => {
  it('refuses a file over uploads.maxBytes with 413 and leaves no file behind', async () => {
    const t = await startTestLab({ uploads: { maxBytes: 1024, maxImagePixels: 100_000_000 } });
    try {
      const big = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
      assert.ok(big.length > 1024);
      const { status, body } = await t.json<{ code: string; detail: string }>('/uploads', { method: 'POST', body: form(big) });
      assert.equal(status, 413);
      assert.equal(body.code, 'INPUT_TOO_LARGE');
      assert.match(body.detail, /upload limit/);
      assert.deepEqual(
        (await filesUnder(join(t.dataDir, 'artifacts'))).filter((f) => !f.includes(`${join('artifacts', 'thumbs')}`)),
        [],
      );
    } finally {
      await t.close();
    }
  });
});
