// A host's own media as references (the `sources` option): listing and paging, import as an input
// artifact with its origin in metadata and lineage, sha256 dedup, a missing item, ids that climb
// out of the folder, an unknown source, bad queries, a failing host.
import { strict as assert } from 'node:assert';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileErrors, validate } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import sharp from 'sharp';
import { sourcePaths } from '../../plugin/http/source-routes.js';
import type { UploadedArtifact } from '../../contract/artifact.js';
import type { SourceList, SourcePage } from '../../contract/sources.js';
import type { Job } from '../../plugin/core/types.js';
import { OptionsError, parseOptions } from '../../plugin/options.js';
import { folderSource } from '../../plugin/sources/folder-source.js';
import type { MediaSource } from '../../plugin/sources/types.js';
import { DATABASES } from '../support/db.js';
import { tempDir } from '../support/files.js';
import { standInMediaKinds } from '../support/kinds.js';
import { startTestLab, type TestLab } from '../support/lab.js';
import { waitFor } from '../support/wait.js';

type Problem = { status: number; code: string; detail: string; errors?: Array<{ field: string }> };

async function png(path: string, r: number, g: number, b: number): Promise<void> {
  await sharp({ create: { width: 40, height: 30, channels: 3, background: { r, g, b } } }).png().toFile(path);
}

describe('host media sources: the OpenAPI path items', () => {
  it('are valid OpenAPI 3.1 with unique operationIds and a response schema per answer', async () => {
    const document = {
      openapi: '3.1.0',
      info: { title: 'sources', version: '1' },
      paths: sourcePaths,
      components: { schemas: { Problem: { type: 'object' }, UploadedArtifact: { type: 'object' } } },
    };
    const result = await validate(structuredClone(document) as never);
    assert.ok(result.valid, compileErrors(result));
    const operations = Object.values(sourcePaths).flatMap((item) => Object.values(item) as Array<{ operationId: string; responses: Record<string, { content?: unknown }> }>);
    assert.deepEqual(operations.map((o) => o.operationId).sort(), ['importSourceItem', 'listSourceItems', 'listSources']);
    for (const op of operations) for (const [status, answer] of Object.entries(op.responses)) assert.ok(answer.content, `${op.operationId} ${status} has a schema`);
  });
});

describe('host media sources: the option', () => {
  it('refuses a source without list/open, a name unfit for a route, and two sources of one name', () => {
    const base = { dataDir: tempDir(), authenticate: () => null };
    const ok = folderSource({ name: 'shots', label: 'Shots', dir: tempDir() });
    assert.deepEqual(parseOptions({ ...base, sources: [ok] }).sources.map((s) => s.name), ['shots']);
    assert.deepEqual(parseOptions(base).sources, []);
    const refused = (sources: unknown[]) => assert.throws(() => parseOptions({ ...base, sources: sources as never }), OptionsError);
    refused([{ name: 'x', label: 'X' }]);
    assert.throws(() => parseOptions({ ...base, sources: [{ ...ok, name: 'Wiki Shots' }] }), /option "sources.0.name": use lower-case letters/);
    assert.throws(() => parseOptions({ ...base, sources: [ok, { ...ok }] }), /option "sources.1.name": "shots" is used by another source/);
  });
});

/** The JSON Schema sourcePaths gives for one answer. */
function answerSchema(path: keyof typeof sourcePaths, method: string, status: number): object {
  const op = (sourcePaths[path] as Record<string, { responses: Record<number, { content: Record<string, { schema: object }> }> }>)[method];
  return op.responses[status].content['application/json'].schema;
}

for (const target of DATABASES) {
  target.describe(`host media sources on ${target.name}`, function () {
    this.timeout(30_000);
    let t: TestLab;
    const shots = tempDir('shots-');
    const outside = tempDir('outside-');

    before(async () => {
      mkdirSync(join(shots, 'wiki'), { recursive: true });
      await png(join(shots, 'castle-gate.png'), 200, 40, 40);
      await png(join(shots, 'castle-hall.png'), 40, 200, 40);
      await png(join(shots, 'forest.png'), 40, 40, 200);
      await png(join(shots, 'wiki', 'hero-sheet.png'), 120, 120, 0);
      await png(join(shots, 'same-as-gate.png'), 200, 40, 40); // identical bytes to castle-gate.png
      writeFileSync(join(shots, 'notes.txt'), 'not media');
      await png(join(outside, 'secret.png'), 1, 2, 3);
      symlinkSync(join(outside, 'secret.png'), join(shots, 'escape.png'));
      const failing: MediaSource = {
        name: 'broken',
        label: 'Broken host',
        list: async () => {
          throw new Error('the host database is down');
        },
        open: async () => {
          throw new Error('the host database is down');
        },
      };
      t = await startTestLab({
        db: await target.create(),
        kinds: standInMediaKinds(),
        sources: [folderSource({ name: 'screenshots', label: 'Wiki screenshots', dir: shots, pageSize: 2 }), failing],
      });
    });
    after(async () => {
      await t.close();
      rmSync(shots, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    });

    const importItem = (id: string, source = 'screenshots') => t.json<UploadedArtifact & Problem>(`/sources/${source}/import`, { method: 'POST', body: JSON.stringify({ id }) });

    it('lists the sources', async () => {
      const { status, body } = await t.json<SourceList>('/sources');
      assert.equal(status, 200);
      assert.ok(new Ajv2020({ strict: false }).validate(answerSchema('/sources', 'get', 200), body), 'the answer matches its OpenAPI schema');
      assert.deepEqual(body.sources, [
        { name: 'screenshots', label: 'Wiki screenshots' },
        { name: 'broken', label: 'Broken host' },
      ]);
    });

    it('lists media items page by page, filtered by a search text', async () => {
      const pages: SourcePage[] = [];
      for (let page = 1; page <= 3; page++) pages.push((await t.json<SourcePage>(`/sources/screenshots/items?page=${page}`)).body);
      assert.deepEqual(
        pages.map((p) => p.items.map((i) => i.id)),
        [['castle-gate.png', 'castle-hall.png'], ['forest.png', 'same-as-gate.png'], ['wiki/hero-sheet.png']],
        'media files only (notes.txt and the link out, escape.png, left out), sub-folders included, by path',
      );
      assert.deepEqual(pages.map((p) => [p.page, p.hasMore, p.total]), [[1, true, 5], [2, true, 5], [3, false, 5]]);
      const ajv = new Ajv2020({ strict: false });
      for (const page of pages) assert.ok(ajv.validate(answerSchema('/sources/{name}/items', 'get', 200), page), JSON.stringify(ajv.errors));
      assert.deepEqual(pages[0].items[0], { id: 'castle-gate.png', label: 'castle-gate.png', kind: 'image', mime: 'image/png', bytes: pages[0].items[0].bytes, modifiedAt: pages[0].items[0].modifiedAt });
      const castle = (await t.json<SourcePage>('/sources/screenshots/items?query=CASTLE')).body;
      assert.deepEqual([castle.query, castle.items.map((i) => i.id), castle.hasMore], ['CASTLE', ['castle-gate.png', 'castle-hall.png'], false]);
      const beyond = (await t.json<SourcePage>('/sources/screenshots/items?page=9')).body;
      assert.deepEqual([beyond.items, beyond.hasMore], [[], false]);
    });

    it('imports an item once as an input artifact with its source in metadata and lineage; the same bytes again are deduplicated', async () => {
      const first = await importItem('wiki/hero-sheet.png');
      assert.equal(first.status, 201);
      assert.equal(first.body.deduplicated, false);
      assert.deepEqual([first.body.role, first.body.kind, first.body.width, first.body.height], ['input', 'image', 40, 30]);
      const source = (first.body.metadata as { source: Record<string, string> }).source;
      assert.deepEqual({ ...source, importedAt: 'x' }, { name: 'screenshots', label: 'Wiki screenshots', id: 'wiki/hero-sheet.png', importedAt: 'x', importedBy: 'demo-admin' });
      assert.equal((first.body.metadata as { originalName: string }).originalName, 'hero-sheet.png');

      const again = await importItem('wiki/hero-sheet.png');
      assert.deepEqual([again.status, again.body.id, again.body.deduplicated], [200, first.body.id, true]);

      const gate = await importItem('castle-gate.png');
      assert.equal(gate.status, 201);
      const twin = await importItem('same-as-gate.png');
      assert.deepEqual([twin.status, twin.body.id], [200, gate.body.id], 'other item, same bytes: the stored artifact');

      // A job using it: the output's lineage leads back to the imported screenshot and its source.
      const submitted = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'generate', params: { prompt: 'a knight', steps: 1 }, inputs: [first.body.id] }) });
      assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
      const job = await waitFor(async () => {
        const { body } = await t.json<Job & { outputs: Array<{ id: string }> }>(`/jobs/${submitted.body.id}`);
        return body.status === 'SUCCEEDED' ? body : null;
      }, 'the job to succeed');
      const detail = (await t.json<{ lineage: Array<{ id: string; metadata: { source?: { id: string } } }> }>(`/artifacts/${job.outputs[0].id}`)).body;
      const origin = detail.lineage.find((a) => a.id === first.body.id);
      assert.equal(origin?.metadata.source?.id, 'wiki/hero-sheet.png');
    });

    it('a missing item is 404 SOURCE_ITEM_NOT_FOUND with the reason', async () => {
      const { status, body, res } = await importItem('gone.png');
      assert.equal(status, 404);
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.equal(body.code, 'SOURCE_ITEM_NOT_FOUND');
      assert.match(body.detail, /Wiki screenshots has no item "gone.png" \(the file is not there any more\)/);
    });

    it('refuses ids that climb out of the folder (400 SOURCE_ITEM_INVALID), and reads nothing outside it', async () => {
      for (const id of ['../outside/secret.png', '/etc/passwd', 'wiki/../../secret.png', 'wiki\\..\\..\\secret.png', 'escape.png', 'notes.txt', './forest.png']) {
        const { status, body } = await importItem(id);
        assert.equal(status, 400, id);
        assert.equal(body.code, 'SOURCE_ITEM_INVALID', id);
        assert.deepEqual(body.errors?.map((e) => e.field), ['id']);
      }
      const { body } = await t.json<{ items: Array<{ metadata: { source?: { id: string } } }> }>('/artifacts?role=input');
      assert.ok(!JSON.stringify(body).includes('secret'), 'nothing from outside was stored');
    });

    it('answers an unknown source, bad queries and a failing host with problem+json naming the cause', async () => {
      const unknown = await importItem('a.png', 'nope');
      assert.deepEqual([unknown.status, unknown.body.code], [404, 'SOURCE_NOT_FOUND']);
      assert.equal((await t.json<Problem>('/sources/nope/items')).body.code, 'SOURCE_NOT_FOUND');
      const badPage = await t.json<Problem>('/sources/screenshots/items?page=0');
      assert.deepEqual([badPage.status, badPage.body.code, badPage.body.errors?.map((e) => e.field)], [422, 'VALIDATION_FAILED', ['page']]);
      const noId = await t.json<Problem>('/sources/screenshots/import', { method: 'POST', body: JSON.stringify({}) });
      assert.deepEqual([noId.status, noId.body.errors?.map((e) => e.field)], [422, ['id']]);
      const down = await t.json<Problem>('/sources/broken/items');
      assert.deepEqual([down.status, down.body.code], [502, 'SOURCE_UNAVAILABLE']);
      assert.match(down.body.detail, /Broken host failed to answer: the host database is down/);
      assert.deepEqual([(await importItem('x', 'broken')).body.code], ['SOURCE_UNAVAILABLE']);
      const anonymous = await t.fetch('/sources', { token: null });
      assert.equal(anonymous.status, 401);
    });
  });
}
