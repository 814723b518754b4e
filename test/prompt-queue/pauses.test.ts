// A configuration problem is not the prompt's fault: the prompt stays pending, its type pauses
// (said once: log, gauge, /health, /api/prompts), and the type resumes by itself when the preset is
// published. Only the prompt's own problems fail it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DATABASES } from '../support/db.js';
import { insertPrompts, promptRow, startQueueHarness, type QueueHarness } from '../support/prompt-queue-host.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import { useComfyKinds } from './comfy-kinds.js';

const TXT2IMG = fileURLToPath(new URL('../../comfy-workflows/txt2img/', import.meta.url));

/** The shipped txt2img preset under another name, with the checkpoint it defaults to. */
function txt2imgAs(name: string, checkpoint = 'sd_xl_base_1.0.safetensors') {
  const manifest = JSON.parse(readFileSync(`${TXT2IMG}manifest.json`, 'utf8')) as { parameters: Array<{ name: string; default?: unknown }> };
  const workflow = JSON.parse(readFileSync(`${TXT2IMG}workflow.json`, 'utf8')) as unknown;
  const parameters = manifest.parameters.map((p) => (p.name === 'checkpoint' ? { ...p, default: checkpoint } : p));
  return { ...manifest, name, parameters, workflow } as Parameters<QueueHarness['lab']['pipelines']['presets']['registry']['publish']>[0];
}

for (const target of DATABASES) {
  target.describe(`prompt-queue pauses on ${target.name}`, function () {
    let comfy: FakeComfy;
    let h: QueueHarness;
    let bridge: { stop(): Promise<void> };

    before(async () => {
      comfy = await startFakeComfy();
    });
    after(async () => comfy.close());
    afterEach(async () => {
      await h.close();
      await bridge.stop();
    });

    it('a mapped preset that does not exist pauses image prompts (pending, said once, shown by the API and /health) until it is published', async () => {
      h = await startQueueHarness({ db: await target.create(), comfyUrl: comfy.url, kinds: [], queue: { presets: { image: 'sketchbook' } } });
      bridge = await useComfyKinds(h.lab);
      const [image, music, ownPreset] = await insertPrompts(h.knex, [
        { prompt_type: 'image', prompt_text: 'a lighthouse' },
        { prompt_type: 'music', prompt_text: 'calm piano' },
        { prompt_type: 'image', prompt_text: 'mine', metadata: JSON.stringify({ preset: 'no-such-preset' }) },
      ]);
      const first = await h.queue.drain();
      const reason = 'paused: there is no preset "sketchbook" (publish it or map image to another preset)';
      assert.equal(first.pausedTypes.image, reason, JSON.stringify(first));
      assert.equal(first.completed, 1, 'music still runs');
      const row = await promptRow(h.knex, image);
      assert.deepEqual([row.status, row.artifact_status, row.artifact_metadata, row.error_message], ['pending', 'pending', null, null]);
      assert.equal((await promptRow(h.knex, music)).status, 'completed');
      const own = await promptRow(h.knex, ownPreset);
      assert.equal(own.status, 'pending', 'a paused type claims nothing, so the prompt with its own preset waits too');

      await h.queue.pass();
      assert.equal(h.log.warn.filter((w) => w.includes('image prompts paused')).length, 1, h.log.warn.join('\n'));
      const list = (await (await h.fetch('/api/prompts')).json()) as { items: Array<{ id: number; paused: string | null }>; paused: Record<string, string> };
      assert.equal(list.paused.image, reason);
      assert.equal(list.items.find((i) => i.id === image)?.paused, reason);
      assert.equal(list.items.find((i) => i.id === music)?.paused, null);
      const artifacts = (await (await h.fetch(`/api/prompts/${image}/artifacts`)).json()) as { paused: string | null };
      assert.equal(artifacts.paused, reason);
      await h.queue.start();
      const health = (await (await h.fetch('/api/media-lab/health')).json()) as { promptQueue: { paused: Record<string, string> } };
      assert.equal(health.promptQueue.paused.image, reason);
      const metrics = await h.lab.metrics.registry.getSingleMetricAsString('media_lab_prompt_queue_paused');
      assert.match(metrics, /prompt_type="image"} 1/);
      assert.match(metrics, /prompt_type="music"} 0/);
      await h.queue.stop();

      await h.lab.pipelines.presets.registry.publish(txt2imgAs('sketchbook'), 'api');
      const second = await h.queue.drain();
      assert.deepEqual(second.pausedTypes, {});
      assert.ok(h.log.info.some((l) => /image prompts resumed: preset "sketchbook" v1 is published/.test(l)), h.log.info.join('\n'));
      assert.equal((await promptRow(h.knex, image)).status, 'completed');
      const failed = await promptRow(h.knex, ownPreset);
      assert.equal(failed.status, 'failed', 'a preset the prompt chose itself is the prompt\'s problem');
      assert.match(String(failed.error_message), /preset\.name: there is no preset "no-such-preset"/);
    });

    it('a preset the backends cannot run (a missing model) gives its prompt back and pauses the type until a fixed version is published', async () => {
      h = await startQueueHarness({ db: await target.create(), comfyUrl: comfy.url, kinds: [], queue: { presets: { image: 'sketch' } } });
      bridge = await useComfyKinds(h.lab);
      await h.lab.pipelines.presets.registry.publish(txt2imgAs('sketch', 'missing_model.safetensors'), 'api');
      const [image, ownModel] = await insertPrompts(h.knex, [
        { prompt_type: 'image', prompt_text: 'a fox' },
        { prompt_type: 'image', prompt_text: 'my model', metadata: JSON.stringify({ params: { checkpoint: 'mine.safetensors' } }) },
      ]);
      const first = await h.queue.drain({ limit: 1 });
      assert.match(String(first.pausedTypes.image), /^paused: preset "sketch" v1 cannot run on fake-comfy: .*missing_model\.safetensors.* \[PRESET_INVALID\] \(install the missing nodes or models/);
      assert.equal(first.failed, 0);
      const row = await promptRow(h.knex, image);
      assert.deepEqual([row.status, row.artifact_status, row.error_message], ['pending', 'pending', null]);

      await h.lab.pipelines.presets.registry.publish(txt2imgAs('sketch'), 'api');
      await h.queue.drain();
      assert.ok(h.log.info.some((l) => /image prompts resumed: preset "sketch" v2 was published/.test(l)), h.log.info.join('\n'));
      assert.equal((await promptRow(h.knex, image)).status, 'completed');
      const own = await promptRow(h.knex, ownModel);
      assert.equal(own.status, 'failed', 'a model the prompt chose itself is the prompt\'s problem');
      assert.match(String(own.error_message), /mine\.safetensors/);
    });
  });
}
