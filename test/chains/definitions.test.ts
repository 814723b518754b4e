// Chain presets over HTTP: publish (201 new, 200 same content), versions, diff, the list, a
// chains folder that hot-reloads, and every kind of bad definition answered 422 naming its path.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { DATABASES } from '../support/db.js';
import { REPO_ROOT } from '../support/files.js';
import { startTestLab, uploadBytes, waitFor, waitForStatus, type TestLab } from '../support/lab.js';

interface Problem {
  status: number;
  code: string;
  errors: Array<{ field: string; message: string }>;
}

const upscaleTwice = {
  description: 'two upscales',
  inputs: [{ name: 'photo', type: 'image' }],
  steps: [
    { id: 'first', workflow: 'enhance', params: { qualityPreset: 'fast', scale: 2 }, inputs: { image: { from: 'inputs.photo' } } },
    { id: 'second', workflow: 'enhance', params: { qualityPreset: 'fast', scale: 2 }, inputs: { image: { from: 'first.output' } } },
  ],
};

async function publish(t: TestLab, body: unknown) {
  return t.json<Record<string, unknown> & Problem>('/chains', { method: 'POST', body: JSON.stringify(body) });
}

function fieldsOf(body: Problem): string[] {
  return body.errors.map((e) => e.field).sort();
}

for (const target of DATABASES) {
  target.describe(`chain presets on ${target.name}`, function () {
    this.timeout(60_000);
    let t: TestLab;
    let chainsDir: string;

    before(async () => {
      chainsDir = mkdtempSync(join(tmpdir(), 'media-lab-chains-'));
      writeFileSync(join(chainsDir, 'from-file.json'), JSON.stringify(upscaleTwice));
      writeFileSync(join(chainsDir, 'broken.json'), '{ "steps": [ ');
      t = await startTestLab({ db: await target.create(), chains: { dir: chainsDir, watch: true } });
    });
    after(async () => t.close());

    it('publishes a version, returns it again for the same content, and a new version for new content', async () => {
      const first = await publish(t, { name: 'twice', ...upscaleTwice });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(first.body.version, 1);
      assert.equal(first.body.created, true);
      assert.match(String(first.body.hash), /^[0-9a-f]{64}$/);

      const again = await publish(t, { name: 'twice', ...upscaleTwice, description: 'reworded' });
      assert.equal(again.status, 200, 'a new description alone is not a new version');
      assert.equal(again.body.version, 1);
      assert.equal(again.body.created, false);

      const changed = { ...upscaleTwice, steps: [upscaleTwice.steps[0], { ...upscaleTwice.steps[1], params: { qualityPreset: 'fast', scale: 4 } }] };
      const second = await publish(t, { name: 'twice', ...changed });
      assert.equal(second.status, 201);
      assert.equal(second.body.version, 2);
      assert.notEqual(second.body.hash, first.body.hash);

      const versions = await t.json<{ versions: Array<{ version: number; hash: string }> }>('/chains/twice/versions');
      assert.deepEqual(versions.body.versions.map((v) => v.version), [1, 2]);

      const diff = await t.json<{ steps: { changed: Array<{ id: string; fields: Record<string, { from: unknown; to: unknown }> }> }; from: { version: number }; to: { version: number } }>('/chains/twice/diff');
      assert.equal(diff.status, 200);
      assert.equal(diff.body.from.version, 1);
      assert.equal(diff.body.to.version, 2);
      assert.deepEqual(diff.body.steps.changed.map((c) => c.id), ['second']);
      assert.deepEqual(diff.body.steps.changed[0].fields.params, { from: { qualityPreset: 'fast', scale: 2 }, to: { qualityPreset: 'fast', scale: 4 } });

      const list = await t.json<{ chains: Array<{ name: string; version: number; versions: number }>; problems: Array<{ source: string; message: string }> }>('/chains');
      const twice = list.body.chains.find((c) => c.name === 'twice');
      assert.deepEqual({ version: twice?.version, versions: twice?.versions }, { version: 2, versions: 2 });
      assert.ok(list.body.chains.some((c) => c.name === 'from-file'), 'chain files are published at start');
      assert.ok(list.body.problems.some((p) => p.source.endsWith('broken.json') && /not valid JSON/.test(p.message)), 'a broken file is reported');

      const presets = await t.json<{ presets: Array<{ name: string }> }>('/presets');
      assert.ok(!presets.body.presets.some((p) => p.name === 'twice'), 'chains are not listed as ComfyUI presets');
    });

    it("publishes the README's example chain", async () => {
      const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
      const section = readme.slice(readme.indexOf('## Chains'));
      const example = JSON.parse(section.slice(section.indexOf('```json') + 7, section.indexOf('```', section.indexOf('```json') + 7))) as Record<string, unknown>;
      const res = await publish(t, example);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.name, 'turnaround');
    });

    it('hot-reloads a chain file: a changed file is a new version', async () => {
      writeFileSync(join(chainsDir, 'from-file.json'), JSON.stringify({ ...upscaleTwice, steps: [upscaleTwice.steps[0]] }));
      await waitFor(async () => (await t.json<{ versions: unknown[] }>('/chains/from-file/versions')).body.versions.length === 2, 'the changed file to be published');
      const current = async () => (await t.json<{ chains: Array<{ name: string; version: number; versions: number }> }>('/chains')).body.chains.find((c) => c.name === 'from-file')!;
      assert.deepEqual(await current().then((c) => [c.version, c.versions]), [2, 2]);
      // The file reverted: its first version is current again (no new version), and a chain
      // submitted by name runs it.
      writeFileSync(join(chainsDir, 'from-file.json'), JSON.stringify(upscaleTwice));
      await waitFor(async () => (await current()).version === 1, 'the reverted file to make version 1 current');
      assert.equal((await current()).versions, 2);
      const photo = await uploadBytes(t, await sharp({ create: { width: 8, height: 6, channels: 3, background: '#123456' } }).png().toBuffer(), 'photo.png');
      const submitted = await t.json<{ id: string; job: { preset: { version: number } } }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'chain', preset: { name: 'from-file' }, params: { photo } }) });
      assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
      assert.equal(submitted.body.job.preset.version, 1);
      await waitForStatus(t, submitted.body.id, ['SUCCEEDED']);
      // What the API publishes is current, whatever the file says.
      const published = await publish(t, { name: 'from-file', ...upscaleTwice, description: 'from the API', steps: [upscaleTwice.steps[0]!, { ...upscaleTwice.steps[1]!, params: { qualityPreset: 'fast', scale: 3 } }] });
      assert.equal(published.body.version, 3);
      assert.equal((await current()).version, 3);
      writeFileSync(join(chainsDir, 'broken.json'), JSON.stringify(upscaleTwice));
      await waitFor(async () => (await t.json<{ problems: unknown[] }>('/chains')).body.problems.length === 0, 'the fixed file to drop out of the problems');
    });

    it('answers 422 naming the path of unknown refs, cycles, type mismatches and rejected params', async () => {
      const unknown = await publish(t, {
        name: 'bad-refs',
        inputs: [{ name: 'photo', type: 'image' }],
        steps: [
          { id: 'a', workflow: 'enhance', inputs: { image: { from: 'inputs.picture' } } },
          { id: 'b', workflow: 'enhance', inputs: { image: { from: 'nowhere.output' } } },
        ],
      });
      assert.equal(unknown.status, 422);
      assert.equal(unknown.body.code, 'VALIDATION_FAILED');
      assert.deepEqual(fieldsOf(unknown.body), ['steps[0].inputs.image', 'steps[1].inputs.image']);
      assert.match(unknown.body.errors[0].message, /no chain input "picture"|no step "nowhere"/);

      const cycle = await publish(t, {
        name: 'loop',
        steps: [
          { id: 'a', workflow: 'enhance', inputs: { image: { from: 'c.output' } } },
          { id: 'b', workflow: 'enhance', inputs: { image: { from: 'a.output' } } },
          { id: 'c', workflow: 'enhance', inputs: { image: { from: 'b.output' } } },
        ],
      });
      assert.equal(cycle.status, 422);
      assert.equal(cycle.body.errors.length, 1);
      assert.match(cycle.body.errors[0].field, /^steps\[\d\]\.inputs\.image$/);
      assert.match(cycle.body.errors[0].message, /makes a cycle: [abc] <- [abc] <- [abc] <- [abc]/);

      const mismatch = await publish(t, {
        name: 'mismatch',
        inputs: [{ name: 'song', type: 'audio' }, { name: 'clip', type: 'video' }],
        steps: [
          { id: 'up', workflow: 'enhance', inputs: { image: { from: 'inputs.song' } } },
          { id: 'smooth', workflow: 'interpolate', params: { targetFps: 60 }, inputs: { video: { from: 'up.output' } } },
          { id: 'up2', workflow: 'enhance', params: { scale: 7 }, inputs: { image: { from: 'inputs.clip' } } },
        ],
      });
      assert.equal(mismatch.status, 422);
      assert.deepEqual(fieldsOf(mismatch.body), ['steps[0].inputs.image', 'steps[1].inputs.video', 'steps[2].inputs.image', 'steps[2].params.scale']);
      const byField = Object.fromEntries(mismatch.body.errors.map((e) => [e.field, e.message]));
      assert.match(byField['steps[0].inputs.image'], /enhance takes image; "inputs.song" is an audio/);
      assert.match(byField['steps[1].inputs.video'], /"up.output" is an image/);
      assert.match(byField['steps[2].params.scale'], /must be 2, 3 or 4/);

      const comfy = await publish(t, {
        name: 'comfy-bad',
        inputs: [{ name: 'song', type: 'audio' }],
        steps: [
          { id: 'gen', workflow: 'generate', preset: 'no-such-preset' },
          { id: 'gen2', workflow: 'generate', preset: 'txt2img', params: { prompt: { from: 'inputs.song' }, steps: 500, colour: 'red' } },
          { id: 'up', workflow: 'enhance', preset: 'txt2img', inputs: { image: { from: 'gen2.output' } } },
        ],
      });
      assert.equal(comfy.status, 422);
      assert.deepEqual(fieldsOf(comfy.body), ['steps[0].preset', 'steps[1].params.colour', 'steps[1].params.prompt', 'steps[1].params.steps', 'steps[2].preset']);

      const shape = await publish(t, { name: 'shape', steps: [{ id: 'Bad Id', workflow: 'paint' }] });
      assert.equal(shape.status, 422);
      assert.deepEqual(fieldsOf(shape.body), ['steps[0].id', 'steps[0].workflow']);

      const taken = await publish(t, { name: 'txt2img', ...upscaleTwice });
      assert.equal(taken.status, 422);
      assert.deepEqual(fieldsOf(taken.body), ['name']);
      assert.match(taken.body.errors[0].message, /is a generate preset/);

      const missing = await t.json<Problem>('/chains/nothing/versions');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.code, 'NOT_FOUND');
      const badDiff = await t.json<Problem>('/chains/twice/diff?from=x');
      assert.equal(badDiff.status, 422);
      assert.deepEqual(fieldsOf(badDiff.body), ['from']);
    });
  });
}
