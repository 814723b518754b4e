import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { DATABASES, type TestDatabase } from '../support/db.js';
import { captureLog } from '../support/lab.js';
import { createHostTables, insertPrompts, promptRow } from '../support/prompt-queue-host.js';
import { waitFor } from '../support/wait.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import { runCli, startCli } from './cli-run.js';
import { runPromptQueueCommand } from '../../plugin/cli/commands/index.js';
import { parseArgs } from '../../plugin/cli/args.js';

for (const target of DATABASES) {
  target.describe(`media-lab prompt-queue --once on ${target.name}`, function () {
    let comfy: FakeComfy;
    let db: TestDatabase;
    let knex: Knex;
    let dataDir: string;
    const once = (...extra: string[]) => runCli(['prompt-queue', '--once', '--db', db.url, '--data-dir', dataDir, '--comfy', comfy.url, ...extra]);

    before(async () => {
      comfy = await startFakeComfy();
    });
    after(async () => comfy.close());
    beforeEach(async () => {
      db = await target.create();
      knex = db.open();
      dataDir = mkdtempSync(join(tmpdir(), 'media-lab-pq-cli-'));
      await createHostTables(knex);
    });
    afterEach(async () => {
      await knex.destroy();
      await db.drop();
    });

    it('exits 0 when nothing is pending, after migrating the host schema; text prompts stay untouched', async () => {
      const [text] = await insertPrompts(knex, [{ prompt_type: 'text', prompt_text: 'only words' }]);
      const result = await once();
      assert.equal(result.status, 0, result.stderr + result.stdout);
      assert.match(result.stdout, /claimed 0, completed 0, failed 0, pending left 0/);
      assert.ok(await knex.schema.hasTable('prompt_artifacts'), 'host schema migrated');
      const row = await promptRow(knex, text);
      assert.deepEqual([row.status, row.artifact_metadata], ['pending', null]);
    });

    it('exits 3 when a prompt failed, and says so in the prompt', async () => {
      const [bad, later] = await insertPrompts(knex, [
        { prompt_type: 'image', metadata: '[1, 2]' },
        { prompt_type: 'image', metadata: '[3]' },
      ]);
      const result = await once('--limit', '1');
      assert.equal(result.status, 3, result.stderr + result.stdout);
      assert.match(result.stdout, /claimed 1, completed 0, failed 1, pending left 1/, '--limit 1 takes one prompt');
      assert.equal((await promptRow(knex, later)).status, 'pending');
      const row = await promptRow(knex, bad);
      assert.equal(row.status, 'failed');
      assert.match(String(row.error_message), /Invalid prompt metadata: expected a JSON object/);
    });

    it('exits 75 while no ComfyUI backend answers, leaving the pending prompts untouched', async () => {
      const [pending] = await insertPrompts(knex, [{ prompt_type: 'music', prompt_text: 'later' }]);
      await comfy.stop();
      try {
        const result = await once();
        assert.equal(result.status, 75, result.stderr + result.stdout);
        assert.match(result.stderr + result.stdout, /paused: no ComfyUI backend is reachable/);
        assert.match(result.stdout, /pending left 1 \(paused/);
      } finally {
        await comfy.start();
      }
      const row = await promptRow(knex, pending);
      assert.deepEqual([row.status, row.artifact_status, row.artifact_metadata], ['pending', 'pending', null]);
    });
  });
}

describe('media-lab prompt-queue usage', () => {
  it('exits 2 on bad usage, naming the problem, before opening anything', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'media-lab-pq-usage-')), 'never-created.sqlite');
    const neither = await runCli(['prompt-queue', '--db', db, '--comfy', 'http://127.0.0.1:8188']);
    assert.equal(neither.status, 2, 'the exit code reaches the scheduler');
    assert.match(neither.stderr, /choose one of --once .* or --watch/);
    const cases: Array<[string[], RegExp]> = [
      [['--preset', 'video=x'], /--preset expects <type>=<name>/],
      [['--limit', '0'], /--limit expects a positive whole number/],
      [['--table', 'prompts; drop table x'], /option "promptQueue.table"/],
    ];
    for (const [extra, message] of cases) {
      const log = captureLog();
      const code = await runPromptQueueCommand(parseArgs(['prompt-queue', '--once', '--db', db, '--comfy', 'http://127.0.0.1:8188', ...extra]), log.logger);
      assert.equal(code, 2, extra.join(' '));
      assert.match(log.error.join('\n'), message);
    }
    const log = captureLog();
    assert.equal(await runPromptQueueCommand(parseArgs(['prompt-queue', '--once', '--db', db]), log.logger), 2);
    assert.match(log.error.join('\n'), /no ComfyUI backend: pass --comfy/);
    assert.equal(existsSync(db), false, 'no database was created');
  });
});

describe('media-lab prompt-queue --watch and media-lab serve, as processes', function () {
  this.timeout(300_000); // processes start slowly on a loaded machine; each wait below has its own limit
  let comfy: FakeComfy;
  before(async () => {
    comfy = await startFakeComfy();
  });
  after(async () => comfy.close());

  it('--watch keeps polling until SIGTERM, then exits 0', async () => {
    const db = await DATABASES[0].create();
    const knex = db.open();
    await createHostTables(knex);
    const watch = startCli(['prompt-queue', '--watch', '--db', db.url, '--data-dir', mkdtempSync(join(tmpdir(), 'media-lab-pq-watch-')), '--comfy', comfy.url]);
    let ran = false;
    try {
      // A process start (tsx compiling the CLI) can take long on a loaded machine: wait for its line.
      await waitFor(async () => /watching prompts/.test(watch.output()), 'the watcher to start', 120_000);
      const [bad] = await insertPrompts(knex, [{ prompt_type: 'music', metadata: 'nope' }]);
      const row = await waitFor(async () => ((await promptRow(knex, bad)).status === 'failed' ? promptRow(knex, bad) : null), 'the watcher to take the new prompt', 60_000);
      assert.match(String(row.error_message), /not valid JSON/);
      ran = true;
    } finally {
      const ended = await watch.stop();
      await knex.destroy();
      // Only a watcher that got going is asked for a clean exit (else the first failure is the one to see).
      if (ran) assert.equal(ended.status, 0, `exit ${ended.status}: ${ended.stderr}`);
    }
  });

  it('prompt-queue:migrate and prompt-queue:rollback manage the host schema', async () => {
    const db = await DATABASES[0].create();
    const knex = db.open();
    await createHostTables(knex);
    const [id] = await insertPrompts(knex, [{ prompt_type: 'image' }]);
    try {
      const log = captureLog();
      assert.equal(await runPromptQueueCommand(parseArgs(['prompt-queue:migrate', '--db', db.url]), log.logger), 0, log.error.join('\n'));
      assert.match(log.info.join('\n'), /applied: 0001_prompt_artifacts/);
      assert.equal((await promptRow(knex, id)).artifact_status, 'pending');
      assert.equal(await runPromptQueueCommand(parseArgs(['prompt-queue:rollback', '--db', db.url]), log.logger), 0, log.error.join('\n'));
      assert.match(log.info.join('\n'), /rolled back: 0001_prompt_artifacts/);
      assert.equal(await knex.schema.hasTable('prompt_artifacts'), false);
      assert.equal((await promptRow(knex, id)).prompt_type, 'image', 'the prompt is still there');
    } finally {
      await knex.destroy();
    }
  });

  it('serve --db host.db mounts /api/prompts next to /api/media-lab when the database has a prompts table', async () => {
    const db = await DATABASES[0].create();
    const knex = db.open();
    await createHostTables(knex);
    const [id] = await insertPrompts(knex, [{ prompt_type: 'text', prompt_text: 'hello' }]);
    await knex.destroy();
    const serve = startCli(['serve', '--db', db.url, '--port', '0', '--data-dir', mkdtempSync(join(tmpdir(), 'media-lab-pq-serve-')), '--comfy', comfy.url], { MEDIA_LAB_ADMIN_TOKEN: 'cli-secret' });
    try {
      const base = await waitFor(async () => /media-lab serve: (http:\/\/\S+)\/api\/media-lab/.exec(serve.output())?.[1], 'serve to print its URL');
      assert.match(serve.output(), /prompt queue on \\?"prompts\\?"/); // a JSON line (stdout is not a terminal)
      const res = await fetch(`${base}/api/prompts/${id}`, { headers: { Authorization: 'Bearer cli-secret' } });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { prompt_text: string }).prompt_text, 'hello');
    } finally {
      const ended = await serve.stop();
      assert.equal(ended.status, 0, ended.stderr);
    }
  });
});
