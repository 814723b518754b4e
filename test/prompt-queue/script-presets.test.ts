// Prompt-queue prompts served by script presets (the prompt-queue site's SaveAsScript exports),
// with no ComfyUI server configured: every type maps to a script, so the queue is not paused. A
// completed prompt's artifact_metadata carries the script run (name, version, hash, exit code,
// duration); a failing script fails its prompt with SCRIPT_FAILED and the script's last output
// lines in error_message, and the log tail in artifact_metadata. A queue with a type still on a
// workflow preset stays paused without a backend.
import { strict as assert } from 'node:assert';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/files.js';
import { DATABASES } from '../support/db.js';
import { insertPrompts, promptRow, startQueueHarness, type QueueHarness } from '../support/prompt-queue-host.js';
import { SCRIPT_PRESETS, STAND_IN_COMFYUI } from '../scripts/support.js';

for (const target of DATABASES) {
  target.describe(`prompt queue with script presets on ${target.name}`, function () {
    this.timeout(90_000);
    let h: QueueHarness;
    const presetsDir = tempDir('media-lab-pq-scripts-');
    before(async () => {
      // A voice script preset too (the tone script under a voice manifest): every type maps to a script.
      cpSync(SCRIPT_PRESETS, presetsDir, { recursive: true });
      mkdirSync(join(presetsDir, 'speak'));
      cpSync(join(SCRIPT_PRESETS, 'tone/script.py'), join(presetsDir, 'speak/script.py'));
      writeFileSync(join(presetsDir, 'speak/manifest.json'), JSON.stringify({ kind: 'voice' }));
      h = await startQueueHarness({
        db: await target.create(),
        kinds: [],
        lab: { comfy: { presetsDir }, scripts: { python: 'python3', comfyuiDirectory: STAND_IN_COMFYUI, concurrency: 2 } },
        queue: { presets: { image: 'text-width', music: 'tone', voice: 'speak' }, promptParams: { image: 'value' } },
      });
    });
    after(async () => h?.close());

    it('an image prompt completes through the script; artifact_metadata says which script ran and how', async () => {
      const [id] = await insertPrompts(h.knex, [{ prompt_type: 'image', prompt_text: 'hello' }]);
      const report = await h.queue.drain();
      assert.equal(report.completed, 1, `${JSON.stringify(report)} ${h.log.warn.join('\n')}`);
      const row = await promptRow(h.knex, id);
      assert.equal(row.status, 'completed');
      const summary = JSON.parse(String(row.artifact_metadata)) as { preset: { name: string }; script: { name: string; exitCode: number; durationMs: number; hash: string } };
      assert.equal(summary.preset.name, 'text-width');
      assert.deepEqual([summary.script.name, summary.script.exitCode], ['text-width', 0]);
      assert.equal(typeof summary.script.durationMs, 'number');
      const artifacts = (await h.knex('prompt_artifacts').where({ prompt_id: id }).orderBy('id')) as Array<{ artifact_type: string; metadata: string }>;
      assert.equal(artifacts[0].artifact_type, 'image');
      assert.equal((JSON.parse(artifacts[0].metadata) as { width: number }).width, 5, 'the prompt text reached the script as text');
    });

    it('a failing script fails its prompt: SCRIPT_FAILED and the output tail in error_message, the log tail in artifact_metadata', async () => {
      const [id] = await insertPrompts(h.knex, [{ prompt_type: 'image', prompt_text: 'hello', metadata: JSON.stringify({ params: { height: -3 } }) }]);
      const report = await h.queue.drain();
      assert.equal(report.failed, 1);
      const row = await promptRow(h.knex, id);
      assert.equal(row.status, 'failed');
      assert.match(String(row.error_message), /\[SCRIPT_FAILED\]/);
      assert.match(String(row.error_message), /ValueError: cannot write empty image/);
      const summary = JSON.parse(String(row.artifact_metadata)) as { logTail: string[]; errorCode: string };
      assert.equal(summary.errorCode, 'SCRIPT_FAILED');
      assert.ok(summary.logTail.some((l) => /Traceback/.test(l)));
    });

    it('a queue with a type still on a workflow preset stays paused without a ComfyUI backend', async () => {
      const mixed = await startQueueHarness({
        db: await target.create(),
        kinds: [],
        lab: { comfy: { presetsDir }, scripts: { python: 'python3', comfyuiDirectory: STAND_IN_COMFYUI } },
        queue: { presets: { image: 'text-width', music: 'tone', voice: 'voice' }, promptParams: { image: 'value' } },
      });
      try {
        await insertPrompts(mixed.knex, [{ prompt_type: 'image', prompt_text: 'hello' }]);
        const report = await mixed.queue.pass();
        assert.equal(report.paused, true);
        assert.match(String(report.pausedTypes.image), /no ComfyUI backend is configured/);
      } finally {
        await mixed.close();
      }
    });
  });
}
