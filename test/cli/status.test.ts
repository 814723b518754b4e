// `media-lab status` as an admin runs it: a seeded database, the real CLI, --json parsed; it reads
// and writes nothing else (the SQLite file stays byte-identical, a missing one is not created).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../plugin/db/connect.js';
import { migrateLatest } from '../../plugin/db/migrate.js';
import type { StatusReport } from '../../plugin/cli/commands/status.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import { createHostTables, insertPrompts } from '../support/prompt-queue-host.js';
import { runCli } from '../prompt-queue/cli-run.js';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function job(id: string, status: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const at = new Date(Date.now() - 60_000).toISOString();
  return { id, workflow: 'generate', status, run_after: at, submitted_by: 'admin', created_at: at, updated_at: at, ...extra };
}

async function seededDatabase(): Promise<{ dir: string; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'media-lab-status-'));
  const file = join(dir, 'lab.sqlite');
  const { knex } = openDatabase(file);
  try {
    await migrateLatest(knex);
    const rows = [
      job('q1', 'QUEUED'),
      job('q2', 'QUEUED'),
      job('r1', 'RUNNING', { workflow: 'enhance', stage: 'tile 3/20', progress: 0.15, started_at: new Date(Date.now() - 125_000).toISOString(), lease_owner: 'worker-a' }),
      job('s1', 'SUCCEEDED'),
      ...Array.from({ length: 6 }, (_, i) =>
        job(`f${i}`, 'FAILED', { error_code: 'COMFY_UNREACHABLE', error_message: `backend down #${i}`, updated_at: new Date(Date.now() - (10 - i) * 1000).toISOString() }),
      ),
    ];
    for (const row of rows) await knex('media_jobs').insert(row); // one by one: a multi-row insert sends NULL for absent defaults
    await createHostTables(knex);
    await insertPrompts(knex, [{ prompt_type: 'image', prompt_text: 'a lighthouse' }, { prompt_type: 'text', prompt_text: 'not media' }]);
  } finally {
    await knex.destroy();
  }
  const migrated = await runCli(['prompt-queue:migrate', '--db', file]);
  assert.equal(migrated.status, 0, migrated.stderr);
  return { dir, file };
}

describe('media-lab status', function () {
  this.timeout(300_000);
  let comfy: FakeComfy;
  let db: { dir: string; file: string };
  before(async () => {
    comfy = await startFakeComfy();
    db = await seededDatabase();
  });
  after(async () => comfy.close());

  it('--json: jobs by status, running with age and stage, the last 5 failures, backends with reachability, prompt queue; the file untouched', async () => {
    const before = sha256(db.file);
    const result = await runCli(['status', '--json', '--db', db.file, '--comfy', `${comfy.url},http://127.0.0.1:9#burst,weight=2,name=gone`, '--timeout', '10000']);
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as StatusReport;
    assert.deepEqual(report.jobs.byStatus, { QUEUED: 2, RUNNING: 1, SUCCEEDED: 1, FAILED: 6, CANCELLED: 0 });
    assert.equal(report.jobs.running.length, 1);
    const running = report.jobs.running[0];
    assert.equal(running.id, 'r1');
    assert.equal(running.stage, 'tile 3/20');
    assert.equal(running.worker, 'worker-a');
    assert.ok(running.ageSeconds !== null && running.ageSeconds >= 125, String(running.ageSeconds));
    assert.deepEqual(report.jobs.lastFailures.map((f) => f.id), ['f5', 'f4', 'f3', 'f2', 'f1']);
    assert.equal(report.jobs.lastFailures[0].code, 'COMFY_UNREACHABLE');
    assert.equal(report.jobs.lastFailures[0].message, 'backend down #5');
    assert.deepEqual(
      report.backends.map((b) => [b.name, b.weight, b.burst, b.reachable]),
      [['comfy-1', 1, false, true], ['gone', 2, true, false]],
    );
    assert.ok(report.backends[1].reason, 'an unreachable backend says why');
    assert.deepEqual(report.promptQueue, { table: 'prompts', byArtifactStatus: { pending: 1 } });
    assert.equal(report.pauses.known, false);
    assert.equal(sha256(db.file), before, 'status wrote to the database');
  });

  it('prints a table by default, and reads the database and backends from a config file', async () => {
    const config = join(db.dir, 'media-lab.config.json');
    writeFileSync(config, JSON.stringify({ database: 'lab.sqlite', comfy: { backends: [{ name: 'gpu', url: comfy.url }] } }));
    const result = await runCli(['status', '--config', config, '--timeout', '10000']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^media-lab status: .*lab\.sqlite at /);
    assert.match(result.stdout, /queued 2, running 1, succeeded 1, failed 6, cancelled 0/);
    assert.match(result.stdout, /r1 +enhance +\d+m +15% +tile 3\/20 +worker-a/);
    assert.match(result.stdout, /f5 +generate +\S+ +COMFY_UNREACHABLE +backend down #5/);
    assert.match(result.stdout, /gpu +http:\/\/127\.0\.0\.1:\d+ +1 +no +reachable/);
    assert.match(result.stdout, /prompts: pending 1/);
  });

  it('a missing database is an error, and is not created', async () => {
    const missing = join(db.dir, 'nope', 'lab.sqlite');
    const result = await runCli(['status', '--db', missing]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /no database at/);
    assert.equal(existsSync(join(db.dir, 'nope')), false);
  });

  it('a bad config file exits 2 naming each key', async () => {
    const config = join(db.dir, 'bad.config.json');
    writeFileSync(config, JSON.stringify({ lanes: { enhance: 'two' }, retention: { olderThan: '30d', evrey: '1h' } }));
    const result = await runCli(['status', '--config', config, '--timeout', '10000']);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /config file .*bad\.config\.json:/);
    assert.match(result.stderr, /lanes\.enhance: .*expected number/);
    assert.match(result.stderr, /retention\.evrey: unknown key/);
  });
});
