// The DB-backed preset registry on SQLite (the lead's migrations): versions, idempotent
// publishing, shipped presets, hot reload and broken files.
import { strict as assert } from 'node:assert';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { PresetRegistry } from '../../plugin/pipelines/comfy/preset-registry.js';
import { PresetInvalidError } from '../../bridge/presets/definition.js';
import { createTestDb } from '../support/db.js';
import { REPO_ROOT, tempDir } from '../support/files.js';
import { waitFor } from '../support/wait.js';

const SHIPPED = join(REPO_ROOT, 'comfy-workflows');

describe('preset registry (SQLite)', function () {
  this.timeout(30_000);
  let db: { knex: Knex; destroy(): Promise<void> };
  let registry: PresetRegistry;
  const warnings: string[] = [];
  beforeEach(async () => {
    db = await createTestDb();
    warnings.length = 0;
    registry = new PresetRegistry(db.knex, { info: () => undefined, warn: (m) => warnings.push(m) });
  });
  afterEach(async () => {
    await registry.close();
    await db.destroy();
  });

  it('publishes the shipped presets, each a valid version 1', async () => {
    const { loaded, problems } = await registry.syncDirectory(SHIPPED, 'shipped');
    assert.deepEqual(problems, []);
    assert.deepEqual(loaded.map((p) => `${p.name}:${p.kind}:v${p.version}`).sort(), ['character-blend:blend:v1', 'img2img:generate:v1', 'music:music:v1', 'pixel-blend:blend:v1', 'txt2img:generate:v1', 'voice:voice:v1']);
    const rows = (await db.knex('media_presets').select('name', 'source', 'parameters')) as Array<{ name: string; source: string; parameters: string }>;
    assert.ok(rows.every((r) => r.source === 'shipped'));
    const schema = JSON.parse(rows.find((r) => r.name === 'voice')?.parameters ?? '{}') as { required: string[] };
    assert.deepEqual(schema.required, ['voice_sample']);
    // syncing again changes nothing
    await registry.syncDirectory(SHIPPED, 'shipped');
    assert.equal(Number(((await db.knex('media_presets').count({ n: '*' })) as Array<{ n: number }>)[0].n), 6);
    assert.equal((await registry.defaultFor('generate'))?.name, 'txt2img');
    assert.equal((await registry.defaultFor('blend'))?.name, 'character-blend');
  });

  it('versions are immutable: the same content returns the existing version, new content a new one', async () => {
    const workflow = JSON.parse(readFileSync(join(SHIPPED, 'txt2img/workflow.json'), 'utf8')) as Record<string, { inputs: Record<string, unknown> }>;
    const first = await registry.publish({ name: 'portrait', kind: 'generate', workflow }, 'api');
    assert.deepEqual([first.created, first.preset.version, first.inferred], [true, 1, true]);
    const again = await registry.publish({ name: 'portrait', kind: 'generate', workflow }, 'api');
    assert.deepEqual([again.created, again.preset.version, again.preset.hash], [false, 1, first.preset.hash]);
    workflow['6'].inputs.steps = 40;
    const second = await registry.publish({ name: 'portrait', kind: 'generate', workflow }, 'api');
    assert.deepEqual([second.created, second.preset.version], [true, 2]);
    assert.equal((await registry.get('portrait'))?.version, 2);
    assert.equal((await registry.get('portrait', 1))?.hash, first.preset.hash);
    assert.equal((await registry.versions('portrait')).length, 2);
    const diff = await registry.diff('portrait', 1, 2);
    assert.deepEqual(diff?.diff.nodes.changed.map((c) => c.id), ['6']);
    assert.equal(await registry.diff('portrait', 1, 9), null);
    await assert.rejects(registry.require({ name: 'portrait', version: 1, hash: 'f'.repeat(64) }), /hash/);
    await assert.rejects(registry.require({ name: 'nope', version: null, hash: null }), (e: unknown) => (e as { code: string }).code === 'PRESET_NOT_FOUND');
    await assert.rejects(
      registry.publish({ name: 'portrait', kind: 'music', workflow }, 'api'),
      (e: unknown) => e instanceof PresetInvalidError && e.issues[0].field === 'kind',
    );
    const list = await registry.list();
    assert.deepEqual(list.map((l) => [l.preset.name, l.preset.version, l.versions]), [['portrait', 2, 2]]);
  });

  it('hot-reloads changed files; a broken file is reported and never replaces the working version', async () => {
    const dir = tempDir('presets-');
    cpSync(join(SHIPPED, 'txt2img'), join(dir, 'txt2img'), { recursive: true });
    await registry.syncDirectory(dir, 'file');
    await registry.watch(dir, 'file');
    const v1 = await registry.get('txt2img');
    assert.equal(v1?.version, 1);

    const workflowPath = join(dir, 'txt2img', 'workflow.json');
    const original = readFileSync(workflowPath, 'utf8');
    const edited = JSON.parse(original) as Record<string, { inputs: Record<string, unknown> }>;
    edited['6'].inputs.sampler_name = 'euler';
    writeFileSync(workflowPath, JSON.stringify(edited, null, 2));
    await waitFor(async () => (await registry.get('txt2img'))?.version === 2, 'version 2 after the edit');

    writeFileSync(workflowPath, '{ "1": { "class_type": ');
    await waitFor(() => registry.problems().some((p) => p.source.endsWith('txt2img/workflow.json')), 'the broken file reported');
    const problem = registry.problems()[0];
    assert.match(problem.message, /workflow\.json: is not valid JSON/);
    assert.equal((await registry.get('txt2img'))?.version, 2, 'the working version stays');
    assert.ok(warnings.some((w) => w.includes('stays in use')));

    const manifestPath = join(dir, 'txt2img', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { parameters: Array<{ targets: Array<{ node: string }> }> };
    writeFileSync(workflowPath, original);
    manifest.parameters[0].targets[0].node = '77';
    writeFileSync(manifestPath, JSON.stringify(manifest));
    await waitFor(() => registry.problems().some((p) => p.source.endsWith('txt2img/manifest.json')), 'the manifest problem reported');
    assert.match(registry.problems()[0].message, /parameters\.prompt\.targets\[0\]: node 77 is not in the workflow/);
    assert.equal(registry.problems().length, 1, 'the fixed workflow.json problem is gone');

    // Reverting to the original content makes version 1 current again (no new version).
    writeFileSync(manifestPath, readFileSync(join(SHIPPED, 'txt2img', 'manifest.json')));
    await waitFor(async () => (await registry.get('txt2img'))?.version === 1 && registry.problems().length === 0, 'version 1 current again');
    assert.equal((await registry.versions('txt2img')).length, 2);

    // A new folder becomes a new preset.
    mkdirSync(join(dir, 'quick-blend'));
    cpSync(join(SHIPPED, 'pixel-blend', 'workflow.json'), join(dir, 'quick-blend', 'workflow.json'));
    await waitFor(async () => (await registry.get('quick-blend'))?.kind === 'blend', 'a new preset from a new folder (inferred)');
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports a broken folder at start-up and loads the others', async () => {
    const dir = tempDir('presets-');
    cpSync(join(SHIPPED, 'voice'), join(dir, 'voice'), { recursive: true });
    mkdirSync(join(dir, 'broken'));
    writeFileSync(join(dir, 'broken', 'workflow.json'), JSON.stringify({ nodes: [], links: [] }));
    const { loaded, problems } = await registry.syncDirectory(dir, 'file');
    assert.deepEqual(loaded.map((p) => p.name), ['voice']);
    assert.equal(problems.length, 1);
    assert.match(problems[0].source, /broken\/workflow\.json$/);
    assert.match(problems[0].message, /Export \(API\)/);
    rmSync(dir, { recursive: true, force: true });
  });
});
