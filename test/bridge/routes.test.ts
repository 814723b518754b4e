// Preset routes over HTTP, and the ComfyUI editor's "Publish to Media Lab" request (the
// frontend extension's own code) against them, behind an admin gate.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import type { Knex } from 'knex';
import { buildPublishRequest, describeResult, guessKind, presetNameFrom, publishToMediaLab } from '../../bridge/comfyui-media-lab/js/publish-core.js';
import { NodeCatalog } from '../../bridge/client/object-info.js';
import { createPresetRoutes } from '../../plugin/http/preset-routes.js';
import { FakeObjectInfo } from '../fake-comfy/object-info.js';
import { tempDir } from '../support/files.js';
import { PresetRegistry } from '../../plugin/pipelines/comfy/preset-registry.js';
import { createTestDb } from '../support/db.js';
import { REPO_ROOT } from '../support/files.js';

const SHIPPED = join(REPO_ROOT, 'comfy-workflows');
const TOKEN = 'admin-secret';
const EDITOR = 'http://127.0.0.1:8188';

describe('preset routes and the publish call', function () {
  this.timeout(20_000);
  let db: { knex: Knex; destroy(): Promise<void> };
  let registry: PresetRegistry;
  let server: ReturnType<express.Express['listen']>;
  let base: string;
  const published: string[] = [];

  before(async () => {
    db = await createTestDb();
    registry = new PresetRegistry(db.knex);
    await registry.syncDirectory(SHIPPED, 'shipped');
    const app = express();
    const api = express.Router();
    // The host's admin gate: preflights pass, everything else needs the admin token.
    api.use((req, res, next) => {
      if (req.method === 'OPTIONS' || req.headers.authorization === `Bearer ${TOKEN}`) return next();
      res.status(401).type('application/problem+json').send(JSON.stringify({ title: 'Unauthorized', status: 401, detail: 'admin token required' }));
    });
    api.use(createPresetRoutes(registry, { corsOrigins: [EDITOR], onPublished: (r) => void published.push(`${r.preset.name}@${r.preset.version}`) }));
    app.use('/api/media-lab', api);
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/media-lab`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await db.destroy();
  });

  const get = async (path: string) => {
    const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: r.status, type: r.headers.get('content-type'), body: (await r.json()) as Record<string, unknown> };
  };

  it('GET /presets lists each preset with its parameter schema, in list order (txt2img first)', async () => {
    const { status, body } = await get('/presets');
    assert.equal(status, 200);
    const presets = body.presets as Array<{ name: string; kind: string; order?: number; version: number; versions: number; parameters: Array<Record<string, unknown>> }>;
    // Ordered presets by `order`, then the others by name.
    assert.deepEqual(presets.map((p) => [p.name, p.order]), [['txt2img', 10], ['img2img', 20], ['character-blend', 30], ['pixel-blend', 40], ['music', undefined], ['voice', undefined]]);
    assert.equal(presets.find((p) => p.kind === 'generate')?.name, 'txt2img', 'the Generate form opens on the first generate preset');
    assert.equal(presets.find((p) => p.kind === 'blend')?.name, 'character-blend', 'the Blend form opens on the character blend');
    const txt = presets.find((p) => p.name === 'txt2img');
    assert.deepEqual(txt?.parameters.find((p) => p.name === 'steps'), { name: 'steps', type: 'integer', required: false, default: 25, min: 1, max: 100 });
    assert.deepEqual(txt?.parameters.find((p) => p.name === 'seed'), { name: 'seed', type: 'seed', required: false, description: 'Random per job unless given', default: 156680208700286, randomize: true });
    assert.deepEqual(body.problems, []);
  });

  it('publishes from the editor extension: 201 with version, hash and inferred parameters; same content again -> existing version', async () => {
    const workflow = JSON.parse(readFileSync(join(SHIPPED, 'img2img/workflow.json'), 'utf8')) as Record<string, { inputs: Record<string, unknown> }>;
    assert.equal(guessKind(workflow), 'generate');
    assert.equal(presetNameFrom('Hero Sheet v2.json'), 'hero-sheet-v2');
    const first = await publishToMediaLab({ baseUrl: `${base}/`, token: TOKEN, name: 'hero-sheet', kind: 'generate', workflow });
    assert.equal(first.created, true);
    assert.equal(first.version, 1);
    assert.match(first.hash, /^[0-9a-f]{64}$/);
    assert.equal(first.inferred, true);
    assert.ok(first.parameters.some((p) => p.name === 'reference' && p.type === 'image'));
    assert.match(describeResult(first), /^published as hero-sheet v1 \(parameters: /);
    const again = await publishToMediaLab({ baseUrl: base, token: TOKEN, name: 'hero-sheet', kind: 'generate', workflow });
    assert.deepEqual([again.created, again.version, again.hash], [false, 1, first.hash]);
    workflow['9'].inputs.steps = 12;
    const second = await publishToMediaLab({ baseUrl: base, token: TOKEN, name: 'hero-sheet', kind: 'generate', workflow });
    assert.deepEqual([second.created, second.version], [true, 2]);
    assert.deepEqual(published, ['hero-sheet@1', 'hero-sheet@1', 'hero-sheet@2']);

    const versions = await get('/presets/hero-sheet/versions');
    assert.deepEqual((versions.body.versions as Array<{ version: number }>).map((v) => v.version), [1, 2]);
    const diff = await get('/presets/hero-sheet/diff?from=1&to=2');
    assert.equal(diff.status, 200);
    assert.deepEqual((diff.body.nodes as { changed: Array<{ id: string; inputs: object }> }).changed, [{ id: '9', classType: 'KSampler', inputs: { steps: { from: 30, to: 12 } } }]);
    assert.deepEqual((diff.body.parameters as { changed: Array<{ name: string }> }).changed.map((c) => c.name), ['steps']);
    const latest = await get('/presets/hero-sheet/diff');
    assert.deepEqual([(latest.body.from as { version: number }).version, (latest.body.to as { version: number }).version], [1, 2]);
  });

  it('answers the editor’s CORS preflight and refuses a publish without the admin token', async () => {
    const preflight = await fetch(`${base}/presets`, { method: 'OPTIONS', headers: { origin: EDITOR, 'access-control-request-method': 'POST' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), EDITOR);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/);
    const { url, init } = buildPublishRequest({ baseUrl: base, token: TOKEN, name: 'x', workflow: {} });
    assert.equal(url, `${base}/presets`);
    assert.equal((init.headers as Record<string, string>).authorization, `Bearer ${TOKEN}`);
    await assert.rejects(publishToMediaLab({ baseUrl: base, token: 'wrong', name: 'x', kind: 'generate', workflow: { '1': { class_type: 'SaveImage', inputs: {} } } }), /Unauthorized: admin token required/);
    await assert.rejects(publishToMediaLab({ baseUrl: '', name: 'x', workflow: {} }), /API URL/);
    await assert.rejects(publishToMediaLab({ baseUrl: 'http://127.0.0.1:9/api', name: 'x', workflow: {} }), /unreachable/);
  });

  it('refuses bad publishes with problem+json naming the fields', async () => {
    const post = async (body: unknown) => {
      const r = await fetch(`${base}/presets`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
      return { status: r.status, type: r.headers.get('content-type'), body: (await r.json()) as { code: string; errors: Array<{ field: string; message: string }> } };
    };
    let r = await post({ name: 'ui', kind: 'generate', workflow: { nodes: [], links: [], version: 0.4 } });
    assert.equal(r.status, 422);
    assert.equal(r.type, 'application/problem+json; charset=utf-8');
    assert.equal(r.body.code, 'VALIDATION_FAILED');
    assert.equal(r.body.errors[0].field, 'workflow');
    assert.match(r.body.errors[0].message, /Export \(API\)/);
    r = await post({ kind: 'generate' });
    assert.deepEqual(r.body.errors.map((e) => e.field), ['name', 'workflow']);
    r = await post({ name: 'bad name!', workflow: { '1': { class_type: 'SaveImage', inputs: {} } } });
    assert.deepEqual(r.body.errors.map((e) => e.field), ['name']);
    r = await post({ name: 'p', kind: 'generate', workflow: { '1': { class_type: 'SaveImage', inputs: {} } }, parameters: { steps: { type: 'integer', targets: [{ node: '9', input: 'steps' }] } } });
    assert.deepEqual(r.body.errors.map((e) => e.field), ['parameters.steps.targets[0]']);
    r = await post('{"name": ');
    assert.deepEqual([r.status, r.body.errors[0].field], [422, 'body']);
  });

  it('a published `order` places a preset in GET /presets; changing it makes a new version; a bad one is refused', async () => {
    const workflow = JSON.parse(readFileSync(join(SHIPPED, 'txt2img/workflow.json'), 'utf8')) as Record<string, unknown>;
    const post = async (body: Record<string, unknown>) => {
      const r = await fetch(`${base}/presets`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as { version: number; order?: number; errors?: Array<{ field: string; message: string }> } };
    };
    const early = await post({ name: 'zz-early', kind: 'generate', workflow, order: 5 });
    assert.deepEqual([early.status, early.body.version, early.body.order], [201, 1, 5]);
    assert.equal((await post({ name: 'aa-unordered', kind: 'generate', workflow })).status, 201);
    let names = ((await get('/presets')).body.presets as Array<{ name: string }>).map((p) => p.name);
    assert.deepEqual(names.slice(0, 3), ['zz-early', 'txt2img', 'img2img']);
    assert.ok(names.indexOf('aa-unordered') > names.indexOf('pixel-blend') && names.indexOf('aa-unordered') < names.indexOf('music'), names.join(' '));

    const moved = await post({ name: 'zz-early', kind: 'generate', workflow, order: 15 });
    assert.deepEqual([moved.status, moved.body.version, moved.body.order], [201, 2, 15]);
    names = ((await get('/presets')).body.presets as Array<{ name: string }>).map((p) => p.name);
    assert.deepEqual(names.slice(0, 3), ['txt2img', 'zz-early', 'img2img']);

    for (const order of [1.5, '1', -2_000_000]) {
      const bad = await post({ name: 'bad-order', kind: 'generate', workflow, order });
      assert.deepEqual([bad.status, bad.body.errors?.map((e) => e.field)], [422, ['order']], `order ${JSON.stringify(order)}`);
    }
  });

  it('answers 404 problem+json for unknown presets and versions, 422 for bad version numbers', async () => {
    const missing = await get('/presets/nope/versions');
    assert.deepEqual([missing.status, missing.body.code], [404, 'PRESET_NOT_FOUND']);
    assert.equal(missing.type, 'application/problem+json; charset=utf-8');
    const badVersion = await get('/presets/txt2img/diff?from=1&to=7');
    assert.deepEqual([badVersion.status, badVersion.body.code], [404, 'PRESET_NOT_FOUND']);
    const notNumber = await get('/presets/txt2img/diff?from=abc');
    assert.deepEqual([notNumber.status, (notNumber.body.errors as Array<{ field: string }>)[0].field], [422, 'from']);
  });
});

describe('GET /presets offers the backend\'s model lists', function () {
  this.timeout(20_000);
  let db: { knex: Knex; destroy(): Promise<void> };
  let server: ReturnType<express.Express['listen']>;
  let base: string;
  let catalog: NodeCatalog | null;

  before(async () => {
    db = await createTestDb();
    const registry = new PresetRegistry(db.knex);
    await registry.syncDirectory(SHIPPED, 'shipped');
    const app = express();
    app.use(createPresetRoutes(registry, { catalog: async () => catalog }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await db.destroy();
  });

  type Param = { name: string; type: string; options?: string[]; skippedWhenEmpty?: boolean; default?: unknown };
  const params = async (preset: string) => {
    const body = (await (await fetch(`${base}/presets`)).json()) as { presets: Array<{ name: string; parameters: Param[] }> };
    return Object.fromEntries((body.presets.find((p) => p.name === preset)?.parameters ?? []).map((p) => [p.name, p]));
  };

  it('LoRA names from LoraLoader, checkpoints from CheckpointLoaderSimple (the default kept); none without a backend', async () => {
    catalog = new NodeCatalog(new FakeObjectInfo(tempDir(), { checkpoints: ['dreamshaper_8.safetensors'], loras: ['watercolor_style.safetensors', 'ink_lines.safetensors'] }).all());
    for (const preset of ['img2img', 'character-blend']) {
      const p = await params(preset);
      for (const n of [1, 2, 3]) {
        assert.deepEqual(p[`lora_${n}`].options, ['watercolor_style.safetensors', 'ink_lines.safetensors'], `${preset} lora_${n}`);
        assert.equal(p[`lora_${n}`].skippedWhenEmpty, true);
        assert.equal(p[`lora_${n}_model_strength`].default, 1);
        assert.equal(p[`lora_${n}_clip_strength`].default, 1);
      }
      assert.deepEqual(p.checkpoint.options, ['sd_xl_base_1.0.safetensors', 'dreamshaper_8.safetensors']);
      assert.equal(p.prompt.options, undefined, 'text parameters get no list');
      assert.equal(p.image_1?.options ?? p.reference?.options, undefined, 'image parameters get no list');
    }
    catalog = null;
    assert.equal((await params('img2img')).lora_1.options, undefined);
  });
});
