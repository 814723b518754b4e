// Log files: --log-file writes JSON lines and rotates them by size, keeping --log-count files;
// `media-lab logs` prints the last lines of the newest file and, with -f, follows it (also into
// the next file when the log rotates).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../../plugin/cli/args.js';
import { LOG_OPTIONS } from '../../plugin/cli/command.js';
import { openCliLogger } from '../../plugin/cli/log-output.js';
import { waitFor } from '../support/wait.js';

interface Running {
  stdout: () => string;
  stderr: () => string;
  ended: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

function cli(args: string[]): Running {
  const env = { ...process.env };
  delete env.MEDIA_LAB_LOG_FILE;
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/prompt-queue/cli-entry.ts', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    ended: new Promise((resolve) => child.once('close', (status) => resolve(status))),
    kill: (signal) => child.kill(signal),
  };
}

const jsonLine = (msg: string) => `${JSON.stringify({ level: 'info', time: new Date().toISOString(), name: 'media-lab', msg })}\n`;

describe('--log-file', () => {
  it('writes JSON lines into numbered files, starts a new one at --log-max-size, and keeps --log-count earlier ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'media-lab-logfile-'));
    const file = join(dir, 'logs', 'lab.log');
    const args = parseArgs(['worker', '--log-file', file, '--log-max-size', '1k', '--log-count', '2', '--log-level', 'debug'], LOG_OPTIONS);
    const output = await openCliLogger(args, console);
    let n = 0;
    // The folder appears once the stream has opened its first file (mkdir).
    const numbers = () => (existsSync(join(dir, 'logs')) ? readdirSync(join(dir, 'logs')) : []).map((f) => Number(/^lab\.(\d+)\.log$/.exec(f)?.[1])).sort((a, b) => a - b);
    try {
      // Write until the log has rotated twice and the oldest file is gone.
      await waitFor(() => {
        output.logger.debug({ jobId: `job-${n}` }, `line ${n++} ${'x'.repeat(80)}`);
        const now = numbers();
        return (now.at(-1) ?? 0) >= 4 && now.length <= 3 && !now.includes(1) ? now : null;
      }, 'the log to rotate and drop its oldest file');
    } finally {
      await output.close();
    }
    const files = numbers();
    assert.ok(files.length <= 3 && files.at(-1)! >= 4, `files: ${files.join(', ')}`);
    const lines = readFileSync(join(dir, 'logs', `lab.${files[0]}.log`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.length > 0);
    assert.equal(lines[0].level, 'debug');
    assert.equal(lines[0].name, 'media-lab');
    assert.match(String(lines[0].jobId), /^job-\d+$/);
    assert.match(String(lines[0].time), /^\d{4}-\d\d-\d\dT/);
  });

  it('refuses a bad --log-level or --log-max-size as bad usage (exit 2) before opening anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'media-lab-logfile-usage-'));
    const level = cli(['worker', '--db', join(dir, 'never.sqlite'), '--log-level', 'loud']);
    assert.equal(await level.ended, 2);
    assert.match(level.stderr(), /--log-level expects fatal, error, warn, info/);
    const size = cli(['worker', '--db', join(dir, 'never.sqlite'), '--log-file', join(dir, 'lab.log'), '--log-max-size', 'huge']);
    assert.equal(await size.ended, 2);
    assert.match(size.stderr(), /--log-max-size expects a size/);
    assert.deepEqual(readdirSync(dir), [], 'nothing was created');
  });
});

describe('media-lab logs', () => {
  it('-n 5 prints the last 5 lines of the newest file of the set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'media-lab-logs-'));
    writeFileSync(join(dir, 'lab.1.log'), Array.from({ length: 10 }, (_, i) => jsonLine(`old ${i}`)).join(''));
    writeFileSync(join(dir, 'lab.2.log'), Array.from({ length: 30 }, (_, i) => jsonLine(`new ${i}`)).join(''));
    const run = cli(['logs', '--file', join(dir, 'lab.log'), '-n', '5']);
    assert.equal(await run.ended, 0, run.stderr());
    const printed = run.stdout().trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg);
    assert.deepEqual(printed, ['new 25', 'new 26', 'new 27', 'new 28', 'new 29']);

    const across = cli(['logs', '--file', join(dir, 'lab.log'), '-n', '32']);
    assert.equal(await across.ended, 0, across.stderr());
    const all = across.stdout().trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg);
    assert.deepEqual(all.slice(0, 3), ['old 8', 'old 9', 'new 0'], 'a short newest file is topped up from the one before');
  });

  it('-f prints lines appended after it started, follows the log into the next file, and stops on SIGINT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'media-lab-logs-f-'));
    writeFileSync(join(dir, 'lab.1.log'), jsonLine('before'));
    const run = cli(['logs', '--file', join(dir, 'lab.log'), '-n', '1', '-f']);
    try {
      await waitFor(() => run.stdout().includes('"before"'), 'the last line to be printed');
      appendFileSync(join(dir, 'lab.1.log'), jsonLine('appended'));
      await waitFor(() => run.stdout().includes('"appended"'), 'the appended line');
      writeFileSync(join(dir, 'lab.2.log'), jsonLine('rotated'));
      await waitFor(() => run.stdout().includes('"rotated"'), 'the first line of the next file');
    } finally {
      run.kill('SIGINT');
    }
    assert.equal(await run.ended, 0, run.stderr());
    const printed = run.stdout().trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg);
    assert.deepEqual(printed, ['before', 'appended', 'rotated']);
  });

  it('without a file to read: exit 2 naming --file; a missing file: exit 1', async () => {
    const none = cli(['logs']);
    assert.equal(await none.ended, 2);
    assert.match(none.stderr(), /no log file: pass --file/);
    const missing = cli(['logs', '--file', join(mkdtempSync(join(tmpdir(), 'media-lab-logs-none-')), 'lab.log')]);
    assert.equal(await missing.ended, 1);
    assert.match(missing.stderr(), /no log file at/);
  });
});
