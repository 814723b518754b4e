// Prompts end to end through the bridge and the protocol-faithful fake ComfyUI, with the
// shipped presets (txt2img, music, voice).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { ADMIN } from '../support/auth.js';
import { DATABASES } from '../support/db.js';
import { insertPrompts, promptRow, startQueueHarness, type QueueHarness } from '../support/prompt-queue-host.js';
import { NodeException, startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import { standInNodes } from '../fake-comfy/nodes/stand-ins.js';
import { createPromptQueue } from '../../plugin/prompt-queue/index.js';
import { useComfyKinds } from './comfy-kinds.js';

const FIXTURES = fileURLToPath(new URL('../fake-comfy/fixtures/', import.meta.url));
const FAILING_SEED = 666;

interface ArtifactRow {
  artifact_type: string;
  file_path: string;
  preview_path: string | null;
  metadata: string;
}

for (const target of DATABASES) {
  target.describe(`prompts through the fake ComfyUI on ${target.name}`, function () {
    let comfy: FakeComfy;
    let h: QueueHarness;
    let bridge: { stop(): Promise<void> };

    before(async () => {
      comfy = await startFakeComfy();
      // A sampler that runs out of memory for one seed: a runtime failure (execution_error).
      comfy.registerNode('KSampler', (ctx) => {
        if (ctx.inputs.seed === FAILING_SEED) throw new NodeException('torch.OutOfMemoryError', 'CUDA out of memory. Tried to allocate 2.00 GiB');
        return standInNodes.KSampler(ctx);
      });
      h = await startQueueHarness({ db: await target.create(), comfyUrl: comfy.url, kinds: [], queue: { defaultParams: { music: { duration: 2 } } } });
      bridge = await useComfyKinds(h.lab);
    });
    after(async () => {
      await h.close();
      await bridge.stop();
      await comfy.close();
    });

    it('image and music prompts reach completed with artifact rows, files and previews', async () => {
      const [image, music] = await insertPrompts(h.knex, [
        { prompt_type: 'image', prompt_text: 'a knight with a lantern, ink drawing' },
        { prompt_type: 'music', prompt_text: 'epic drums, choir' },
      ]);
      const report = await h.queue.drain();
      assert.equal(report.completed, 2, `${JSON.stringify(report)} ${h.log.warn.join('\n')}`);

      const imageRow = await promptRow(h.knex, image);
      assert.deepEqual([imageRow.status, imageRow.artifact_status, imageRow.error_message], ['completed', 'ready', null]);
      const imageArtifacts = (await h.knex('prompt_artifacts').where({ prompt_id: image }).orderBy('id')) as ArtifactRow[];
      assert.deepEqual(imageArtifacts.map((a) => a.artifact_type), ['image', 'thumbnail']);
      assert.equal((await sharp(h.queue.media.pathOf(imageArtifacts[0].file_path)).metadata()).format, 'png');
      const imageMeta = JSON.parse(imageArtifacts[0].metadata) as { preset: { name: string; version: number; hash: string }; seed: number; backend: string };
      assert.equal(imageMeta.preset.name, 'txt2img');
      assert.equal(typeof imageMeta.preset.version, 'number');
      assert.match(imageMeta.preset.hash, /^[0-9a-f]{64}$/);
      assert.equal(typeof imageMeta.seed, 'number');
      assert.equal(imageMeta.backend, 'fake-comfy');
      const submitted = comfy.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/prompt'));
      assert.ok(
        submitted.some((r) => JSON.stringify(r.body).includes('a knight with a lantern, ink drawing')),
        'the prompt text reached ComfyUI',
      );

      const musicArtifacts = (await h.knex('prompt_artifacts').where({ prompt_id: music }).orderBy('id')) as ArtifactRow[];
      assert.deepEqual(musicArtifacts.map((a) => a.artifact_type), ['audio', 'waveform']);
      assert.equal(readFileSync(h.queue.media.pathOf(musicArtifacts[0].file_path)).subarray(0, 4).toString(), 'fLaC');
      const waveform = await sharp(h.queue.media.pathOf(musicArtifacts[1].file_path)).metadata();
      assert.deepEqual([waveform.format, waveform.width, waveform.height], ['png', 640, 120]);
      assert.equal((await promptRow(h.knex, music)).status, 'completed');
    });

    it('a workflow that fails in ComfyUI fails its prompt with the cause', async () => {
      const [bad] = await insertPrompts(h.knex, [{ prompt_type: 'image', prompt_text: 'too big', metadata: JSON.stringify({ params: { seed: FAILING_SEED } }) }]);
      const report = await h.queue.drain();
      assert.equal(report.failed, 1);
      const row = await promptRow(h.knex, bad);
      assert.deepEqual([row.status, row.artifact_status], ['failed', 'error']);
      assert.match(String(row.error_message), /CUDA out of memory/);
      assert.match(String(row.error_message), /COMFY_EXECUTION/);
    });

    it('a voice prompt needs a voice sample: without one it fails clearly, with one it completes', async () => {
      const [noSample] = await insertPrompts(h.knex, [{ prompt_type: 'voice', prompt_text: 'Hello there.' }]);
      await h.queue.drain();
      const failed = await promptRow(h.knex, noSample);
      assert.equal(failed.status, 'failed');
      assert.match(String(failed.error_message), /voice_sample/);

      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(readFileSync(join(FIXTURES, 'tone.wav')))]), 'sample.wav');
      const upload = (await (await fetch(`${h.url}/api/media-lab/uploads`, { method: 'POST', body: form, headers: { Authorization: `Bearer ${ADMIN}` } })).json()) as { id: string };
      const voiced = createPromptQueue(h.lab, { mediaRoot: h.queue.media.root, pollIntervalMs: 50, defaultParams: { voice: { voice_sample: upload.id } }, logger: h.log.logger });
      const [withSample] = await insertPrompts(h.knex, [{ prompt_type: 'voice', prompt_text: 'Welcome aboard.' }]);
      const report = await voiced.drain();
      const row = await promptRow(h.knex, withSample);
      assert.equal(row.status, 'completed', `${String(row.error_message)} ${JSON.stringify(report)}`);
      const types = ((await h.knex('prompt_artifacts').where({ prompt_id: withSample }).orderBy('id')) as ArtifactRow[]).map((a) => a.artifact_type);
      assert.deepEqual(types, ['audio', 'waveform']);
    });
  });
}
