// Start order: `media-lab serve` and `prompt-queue --watch` poll only once the presets are loaded
// and the backends checked, so prompts waiting in the table at start-up are never failed with
// `there is no preset "txt2img"` (on a fresh database the registry is empty until it loads).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASES } from '../support/db.js';
import { createHostTables, insertPrompts, waitForPromptStatus } from '../support/prompt-queue-host.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import { startCli } from './cli-run.js';

describe('prompt-queue start order (serve, --watch)', function () {
  let comfy: FakeComfy;
  before(async () => {
    comfy = await startFakeComfy();
  });
  after(async () => comfy.close());

  const commands: Array<[string, string[]]> = [
    ['serve', ['serve', '--port', '0']],
    ['prompt-queue --watch', ['prompt-queue', '--watch']],
  ];
  for (const [name, command] of commands) {
    it(`${name}: an image prompt pending before start-up completes (the poller waits for the presets)`, async () => {
      const db = await DATABASES[0].create();
      const knex = db.open();
      await createHostTables(knex);
      const [id] = await insertPrompts(knex, [{ prompt_type: 'image', prompt_text: 'waiting since before the restart' }]);
      const child = startCli([...command, '--db', db.url, '--data-dir', mkdtempSync(join(tmpdir(), 'media-lab-pq-order-')), '--comfy', comfy.url], {
        MEDIA_LAB_ADMIN_TOKEN: 'order-secret',
      });
      try {
        const row = await waitForPromptStatus(knex, id, ['completed', 'failed'], 60_000);
        assert.equal(row.status, 'completed', `${String(row.error_message)}\n${child.output()}`);
        assert.doesNotMatch(child.output(), /there is no preset/);
      } finally {
        const ended = await child.stop();
        assert.equal(ended.status, 0, ended.stderr);
        await knex.destroy();
      }
    });
  }
});
