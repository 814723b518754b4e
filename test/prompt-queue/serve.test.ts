import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import knexFactory from 'knex';
import { startStandaloneServer, tokenAuthenticate } from '../../plugin/cli/serve.js';
import { parseArgs } from '../../plugin/cli/args.js';
import { promptQueueForServe } from '../../plugin/cli/commands/prompt-queue.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import type { PromptJson } from '../../plugin/prompt-queue/index.js';
import { standInMediaKinds } from '../support/kinds.js';
import { captureLog } from '../support/lab.js';
import { createHostTables } from '../support/prompt-queue-host.js';
import { waitFor } from '../support/wait.js';

const writerScript = fileURLToPath(new URL('./host-writer.mjs', import.meta.url));

function runHostWriter(db: string, ms: number): Promise<{ writes: number; failures: string[]; imageIds: number[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writerScript, db, String(ms)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(JSON.parse(out) as { writes: number; failures: string[]; imageIds: number[] }) : reject(new Error(`host writer exited ${code}: ${err}`))));
  });
}

describe('media-lab serve next to a non-Node host on the same SQLite file', function () {
  let comfy: FakeComfy;
  before(async () => {
    comfy = await startFakeComfy();
  });
  after(async () => comfy.close());

  it('runs the poller and the routes while a second connection keeps writing prompts, and no write fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'media-lab-serve-'));
    const hostDb = join(dir, 'host.db');
    const host = knexFactory({ client: 'better-sqlite3', connection: { filename: hostDb }, useNullAsDefault: true });
    await createHostTables(host);
    await host.destroy();

    const log = captureLog();
    const args = parseArgs(['serve', '--db', hostDb, '--media-root', join(dir, 'media')]);
    const promptQueue = promptQueueForServe(args, log.logger, { pollIntervalMs: 50, healthIntervalMs: 500 });
    const server = await startStandaloneServer({
      port: 0,
      dataDir: join(dir, 'data'),
      database: hostDb,
      comfy: [comfy.url],
      authenticate: tokenAuthenticate('serve-secret'),
      worker: true,
      logger: log.logger,
      extraRoutes: async (lab) => {
        for (const kind of standInMediaKinds()) lab.kinds.register(kind); // stand-ins for the ComfyUI kinds
        return promptQueue.extraRoutes(lab);
      },
    });
    try {
      assert.equal((await server.lab.knex.raw('PRAGMA journal_mode'))[0].journal_mode, 'wal');
      const writer = await runHostWriter(hostDb, 2500);
      assert.deepEqual(writer.failures, [], 'every host write succeeded');
      assert.ok(writer.writes > 100, `the host wrote ${writer.writes} times`);
      assert.ok(writer.imageIds.length > 10);

      const verify = knexFactory({ client: 'better-sqlite3', connection: { filename: hostDb }, useNullAsDefault: true });
      try {
        await waitFor(
          async () => {
            const open = await verify('prompts').whereIn('id', writer.imageIds).whereNot('status', 'completed').count({ n: '*' }).first();
            return Number((open as { n: number }).n) === 0;
          },
          'every image prompt the host wrote to complete',
          60_000,
        );
        const texts = (await verify('prompts').where('prompt_type', 'text').select('status', 'artifact_metadata')) as Array<{ status: string; artifact_metadata: string | null }>;
        assert.ok(texts.every((t) => t.status === 'completed' && t.artifact_metadata === null), 'the host kept its own text prompts');
      } finally {
        await verify.destroy();
      }
      assert.deepEqual(log.error, [], 'the poller logged no errors');

      const res = await fetch(`${server.url}/api/prompts/${writer.imageIds[0]}/artifacts`, { headers: { Authorization: 'Bearer serve-secret' } });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { artifact_status: string; artifacts: PromptJson['artifacts'] };
      assert.equal(body.artifact_status, 'ready');
      assert.equal((await fetch(`${server.url}${body.artifacts[0].file_url}`, { headers: { Authorization: 'Bearer serve-secret' } })).status, 200);
      assert.equal((await fetch(`${server.url}/api/prompts/${writer.imageIds[0]}/artifacts`)).status, 401, 'the admin token is required');
      assert.equal((await fetch(`${server.url}/api/media-lab/health`, { headers: { Authorization: 'Bearer serve-secret' } })).status, 200);
    } finally {
      await promptQueue.stop();
      await server.close();
    }
  });
});
