// `prompt-queue --once` after a run that was killed mid-job adopts the prompt it left processing
// (its process is gone), follows the job to the end and counts it; `--max-wait` bounds a run.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { DATABASES, type TestDatabase } from '../support/db.js';
import { createHostTables, insertPrompts, promptRow } from '../support/prompt-queue-host.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import { standInNodes } from '../fake-comfy/nodes/stand-ins.js';
import { runCli, startCli } from './cli-run.js';

describe('prompt-queue --once adopts what a dead run left processing', function () {
  let comfy: FakeComfy;
  let db: TestDatabase;
  let knex: Knex;
  let dataDir: string;
  /** KSampler waits here until the test lets it go: the job stays RUNNING for as long as the test needs. */
  let reached: () => void = () => undefined;
  let release: () => void = () => undefined;
  let sampling: Promise<void>;
  const args = () => ['prompt-queue', '--once', '--db', db.url, '--data-dir', dataDir, '--comfy', comfy.url];

  before(async () => {
    comfy = await startFakeComfy();
  });
  after(async () => comfy.close());
  beforeEach(async () => {
    db = await DATABASES[0].create();
    knex = db.open();
    dataDir = mkdtempSync(join(tmpdir(), 'media-lab-pq-adopt-'));
    await createHostTables(knex);
    const gate = new Promise<void>((resolve) => (release = resolve));
    sampling = new Promise<void>((resolve) => (reached = resolve));
    comfy.registerNode('KSampler', async (ctx) => {
      reached();
      await gate;
      return standInNodes.KSampler(ctx);
    });
  });
  afterEach(async () => {
    release();
    await knex.destroy();
  });

  it('SIGKILL mid-job, then --once again: the prompt is adopted, its job finishes, the summary and the exit code count it', async () => {
    const [id] = await insertPrompts(knex, [{ prompt_type: 'image', prompt_text: 'interrupted knight' }]);
    const first = startCli(args());
    await sampling; // the job is RUNNING on ComfyUI
    const killed = await first.kill('SIGKILL');
    assert.equal(killed.status, null, 'killed, not exited');
    const left = await promptRow(knex, id);
    assert.equal(left.status, 'processing');
    // The dead worker's job lease runs out (instead of waiting lease.durationMs for it).
    await knex('media_jobs').where({ status: 'RUNNING' }).update({ lease_expires_at: new Date(Date.now() - 1000).toISOString() });
    release();

    const second = await runCli(args());
    assert.equal(second.status, 0, second.stdout + second.stderr);
    assert.match(second.stdout, /claimed 0, adopted 1, completed 1, failed 0/);
    assert.match(second.stdout + second.stderr, /adopted prompt \d+ from prompt-queue:\S+ \(its process is gone\): following job/);
    const row = await promptRow(knex, id);
    assert.deepEqual([row.status, row.artifact_status], ['completed', 'ready']);
  });

  it('--max-wait: past it the run exits 4 and the prompt keeps its state; a later run adopts and finishes it', async () => {
    const [id] = await insertPrompts(knex, [{ prompt_type: 'image', prompt_text: 'slow dragon' }]);
    const bounded = startCli([...args(), '--max-wait', '1s']);
    await sampling; // held on ComfyUI past the bound
    const ended = await bounded.ended;
    assert.equal(ended.status, 4, ended.stdout + ended.stderr);
    assert.match(ended.stdout, /claimed 1, completed 0, failed 0, pending left 0, still processing 1 \(--max-wait reached/);
    assert.equal((await promptRow(knex, id)).status, 'processing');
    release();
    const next = await runCli(args());
    assert.equal(next.status, 0, next.stdout + next.stderr);
    assert.match(next.stdout, /adopted 1, completed 1/);
    assert.equal((await promptRow(knex, id)).status, 'completed');
    const usage = await runCli([...args(), '--max-wait', 'soon']);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /--max-wait expects a duration/);
  });
});
