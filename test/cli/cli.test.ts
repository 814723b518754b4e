// The media-lab CLI as a user runs it: every command's --help prints its own usage and touches
// nothing; unknown options are usage errors; destructive commands ask first, and without a
// terminal to ask on they need --yes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { openDatabase } from '../../plugin/db/connect.js';
import { migrateLatest } from '../../plugin/db/migrate.js';
import { askYesNo, confirm } from '../../plugin/cli/confirm.js';

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from sources with stdin not a terminal; a command still running after `ms` is killed (status null). */
function cli(args: string[], ms = 240_000): Promise<Ran> {
  const env = { ...process.env };
  for (const name of ['COMFYUI_URL', 'MEDIA_LAB_DB', 'MEDIA_LAB_DATA_DIR', 'DATA_DIR', 'MEDIA_LAB_ADMIN_TOKEN']) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/prompt-queue/cli-entry.ts', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A SQLite file with Media Lab's tables and a host prompts table with the adapter's columns. */
async function migratedDatabase(): Promise<{ file: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'media-lab-cli-'));
  const file = join(dir, 'lab.sqlite');
  const { knex } = openDatabase(file);
  try {
    await migrateLatest(knex);
    await knex.schema.createTable('prompts', (t) => {
      t.increments('id');
      t.string('prompt_type');
      t.text('prompt_text');
      t.string('status');
    });
    await knex('prompts').insert({ prompt_type: 'image', prompt_text: 'a lighthouse', status: 'pending' });
  } finally {
    await knex.destroy();
  }
  const pq = await cli(['prompt-queue:migrate', '--db', file]);
  assert.equal(pq.status, 0, pq.stderr);
  return { file, dir };
}

const COMMANDS = ['migrate', 'migrate:latest', 'migrate:rollback', 'worker', 'serve', 'prompt-queue', 'prompt-queue:migrate', 'prompt-queue:rollback', 'prune', 'status'];

describe('media-lab CLI', function () {
  this.timeout(600_000);
  let db: { file: string; dir: string };
  before(async () => {
    db = await migratedDatabase();
  });

  it('media-lab --help (and help, -h) print the command list and exit 0', async () => {
    for (const args of [['--help'], ['help'], ['-h']]) {
      const result = await cli(args);
      assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stdout, /^Usage: media-lab <command>/);
      for (const name of ['migrate:rollback', 'worker', 'serve', 'prompt-queue', 'prune']) assert.match(result.stdout, new RegExp(`\\n  ${name} `));
    }
    const one = await cli(['help', 'prune']);
    assert.equal(one.status, 0);
    assert.match(one.stdout, /^Usage: media-lab prune /);
  });

  it('every command prints its own usage for --help, exits 0 and leaves the database byte-identical', async () => {
    const before = sha256(db.file);
    const runs = COMMANDS.flatMap((name) => [
      { name, args: [name, '--help', '--db', db.file, '--data-dir', db.dir] },
      { name, args: [name, '--db', db.file, '--data-dir', db.dir, '--yes', '-h'] },
    ]);
    const results: Array<{ args: string; r: Ran; name: string }> = [];
    for (let i = 0; i < runs.length; i += 3) {
      // three at a time: a loaded machine still starts each well within the limit
      const batch = runs.slice(i, i + 3).map(({ name, args }) => cli(args, 60_000).then((r) => ({ args: args.join(' '), r, name })));
      results.push(...(await Promise.all(batch)));
    }
    for (const { args, r, name } of results) {
      assert.equal(r.status, 0, `${args} exits 0 (stderr: ${r.stderr})`);
      const shown = name === 'migrate:latest' ? 'migrate' : name;
      assert.ok(r.stdout.startsWith(`Usage: media-lab ${shown} `), `${args} prints its own usage, got: ${r.stdout.slice(0, 120)}`);
      assert.match(r.stdout, /--help/);
    }
    assert.equal(sha256(db.file), before, 'no --help changed the database');
  });

  it('an unknown option exits 2 with the usage, before anything opens', async () => {
    const before = sha256(db.file);
    for (const args of [['migrate:rollback', '--bogus'], ['worker', '--once'], ['prune', '--older-than', '1d', '--force'], ['migrate', 'extra']]) {
      const result = await cli([...args, '--db', db.file]);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /unknown option --|unexpected argument/);
      assert.match(result.stderr, new RegExp(`Usage: media-lab ${args[0]} `));
    }
    const unknown = await cli(['frobnicate']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"[\s\S]*Usage: media-lab <command>/);
    assert.equal(sha256(db.file), before);
  });

  it('migrate:rollback, prompt-queue:rollback and prune refuse without --yes when stdin is not a terminal', async () => {
    const before = sha256(db.file);
    for (const args of [['migrate:rollback'], ['migrate:rollback', '--all'], ['prompt-queue:rollback'], ['prune', '--older-than', '1d']]) {
      const result = await cli([...args, '--db', db.file, '--data-dir', db.dir]);
      assert.notEqual(result.status, 0, args.join(' '));
      assert.match(result.stderr, /pass --yes/, args.join(' '));
    }
    assert.equal(sha256(db.file), before, 'nothing was rolled back or pruned');
    const dryRun = await cli(['prune', '--older-than', '1d', '--dry-run', '--db', db.file, '--data-dir', db.dir]);
    assert.equal(dryRun.status, 0, `a dry run needs no --yes: ${dryRun.stderr}`);
  });

  it('migrate:rollback --yes rolls back', async () => {
    const pq = await cli(['prompt-queue:rollback', '--yes', '--db', db.file]);
    assert.equal(pq.status, 0, pq.stderr);
    const result = await cli(['migrate:rollback', '--yes', '--db', db.file]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /rolled back: (.*, )?0001_core/);
    const { knex } = openDatabase(db.file);
    try {
      assert.equal(await knex.schema.hasTable('media_jobs'), false);
      assert.equal(await knex.schema.hasTable('prompts'), true, "the host's table stays");
    } finally {
      await knex.destroy();
    }
  });
});

describe('media-lab CLI confirmation', () => {
  const answer = (text: string) => {
    const input = new PassThrough();
    input.end(text);
    return { input, output: new PassThrough() };
  };

  it('only y or yes is a yes; anything else, or no answer, is a no', async () => {
    for (const text of ['y\n', 'Y\n', 'yes\n', ' YES \n']) assert.equal(await askYesNo('Drop?', answer(text)), true, JSON.stringify(text));
    for (const text of ['n\n', '\n', 'yep\n', '']) assert.equal(await askYesNo('Drop?', answer(text)), false, JSON.stringify(text));
  });

  it('asks on a terminal, and refuses to ask anywhere else', async () => {
    const output = new PassThrough();
    let asked = '';
    output.on('data', (chunk: Buffer) => (asked += chunk.toString()));
    const tty = Object.assign(new PassThrough(), { isTTY: true });
    tty.end('yes\n');
    assert.equal(await confirm('Roll back?', { input: tty, output }), 'yes');
    assert.match(asked, /Roll back\? \[y\/N\] /);
    assert.equal(await confirm('Roll back?', answer('yes\n')), 'not-a-terminal');
  });
});
