import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { DATABASES } from '../support/db.js';
import { captureLog } from '../support/lab.js';
import { insertPrompts, startQueueHarness, type QueueHarness } from '../support/prompt-queue-host.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import { parseDuration } from '../../plugin/prompt-queue/index.js';
import { runPromptQueueCommand } from '../../plugin/cli/commands/index.js';
import { parseArgs } from '../../plugin/cli/args.js';
import { runCli } from './cli-run.js';

const DAY = 86_400_000;
const longAgo = () => new Date(Date.now() - 40 * DAY).toISOString();

interface Fixture {
  /** Prompt files of old prompts: removed, except the one a new prompt shares. */
  oldOnlyFiles: string[];
  sharedFile: string;
  newFiles: string[];
  /** Lab storage files: removed / kept. */
  labRemoved: string[];
  labKept: string[];
}

async function jobIdOf(h: QueueHarness, promptId: number): Promise<string> {
  const row = (await h.knex('prompts').where({ id: promptId }).first()) as { artifact_metadata: string };
  return (JSON.parse(row.artifact_metadata) as { jobId: string }).jobId;
}

async function outputKey(h: QueueHarness, jobId: string): Promise<{ id: string; storage_key: string }> {
  return (await h.knex('media_artifacts').where({ job_id: jobId, role: 'output' }).first()) as { id: string; storage_key: string };
}

async function promptFiles(h: QueueHarness, promptId: number): Promise<string[]> {
  const rows = (await h.knex('prompt_artifacts').where({ prompt_id: promptId })) as Array<{ file_path: string }>;
  return rows.map((r) => r.file_path);
}

/**
 * Old: an image prompt whose output a new prompt repeats byte for byte (shared files), a music
 * prompt, an upload (a source), a lab job whose output another job took as input.
 */
async function buildFixture(h: QueueHarness): Promise<Fixture> {
  const [oldImage, oldMusic, newImage] = await insertPrompts(h.knex, [
    { prompt_type: 'image', prompt_text: 'the same picture' },
    { prompt_type: 'music', prompt_text: 'an old tune' },
    { prompt_type: 'image', prompt_text: 'the same picture' },
  ]);
  const drained = await h.queue.drain();
  assert.equal(drained.completed, 3);

  const form = new FormData();
  const png = await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: 9, g: 99, b: 199 } } }).png().toBuffer();
  form.append('file', new Blob([new Uint8Array(png)]), 'source.png');
  const upload = (await (await fetch(`${h.url}/api/media-lab/uploads`, { method: 'POST', body: form, headers: { Authorization: 'Bearer test-admin-token' } })).json()) as { id: string };
  // The API keeps storage keys to itself; the table has them.
  const uploadKey = ((await h.knex('media_artifacts').where({ id: upload.id }).first('storage_key')) as { storage_key: string }).storage_key;
  const admin = { id: 'admin', roles: ['admin'] };
  const first = (await h.lab.jobs.submit(admin, { workflow: 'generate', params: { prompt: 'from a source' }, inputs: [upload.id] })).job;
  await waitForJob(h, first.id);
  const firstOutput = await outputKey(h, first.id);
  const second = (await h.lab.jobs.submit(admin, { workflow: 'generate', params: { prompt: 'a derivative' }, inputs: [firstOutput.id] })).job;
  await waitForJob(h, second.id);

  const old = longAgo();
  await h.knex('prompt_artifacts').whereIn('prompt_id', [oldImage, oldMusic]).update({ created_at: old, updated_at: old });
  const oldJobs = [await jobIdOf(h, oldImage), await jobIdOf(h, oldMusic), first.id];
  await h.knex('media_artifacts').whereIn('job_id', oldJobs).update({ created_at: old });
  await h.knex('media_artifacts').where({ id: upload.id }).update({ created_at: old });

  const [sharedFile] = await promptFiles(h, newImage);
  const newFiles = await promptFiles(h, newImage);
  const oldOnlyFiles = [...(await promptFiles(h, oldImage)), ...(await promptFiles(h, oldMusic))].filter((f) => !newFiles.includes(f));
  const musicOutput = await outputKey(h, await jobIdOf(h, oldMusic));
  const oldImageOutput = await outputKey(h, await jobIdOf(h, oldImage));
  const newImageOutput = await outputKey(h, await jobIdOf(h, newImage));
  assert.equal(oldImageOutput.storage_key, newImageOutput.storage_key, 'identical outputs share one stored file');
  return {
    oldOnlyFiles,
    sharedFile,
    newFiles,
    labRemoved: [musicOutput.storage_key],
    labKept: [oldImageOutput.storage_key, uploadKey, firstOutput.storage_key],
  };
}

async function waitForJob(h: QueueHarness, id: string): Promise<void> {
  for (let i = 0; i < 800; i++) {
    const job = await h.lab.jobs.get(id);
    if (job && ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(job.status)) {
      assert.equal(job.status, 'SUCCEEDED', job.errorMessage ?? '');
      return;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${id} did not finish`);
}

for (const target of DATABASES) {
  target.describe(`media-lab prune on ${target.name}`, function () {
    let comfy: FakeComfy;
    let h: QueueHarness;
    let fixture: Fixture;
    const prune = (...extra: string[]) =>
      runCli(['prune', '--older-than', '30d', '--db', dbUrl, '--data-dir', h.dataDir, '--media-root', h.queue.media.root, ...extra]);
    let dbUrl: string;

    before(async () => {
      comfy = await startFakeComfy();
      const db = await target.create();
      dbUrl = db.url;
      h = await startQueueHarness({ db, comfyUrl: comfy.url });
      fixture = await buildFixture(h);
    });
    after(async () => {
      await h.close();
      await comfy.close();
    });

    it('--dry-run reports what would go and removes nothing', async () => {
      const result = await prune('--dry-run');
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /dry run: nothing removed/);
      assert.match(result.stdout, /prompt artifacts: would remove 4 rows of 2 prompts, 2 files, [\d.]+ kB; kept 2 files still referenced/);
      assert.match(result.stdout, /Media Lab artifacts: would remove 2 rows, 1 files, [\d.]+ kB; kept 2 still referenced and 1 uploaded sources/);
      assert.equal(Number(((await h.knex('prompt_artifacts').count({ n: '*' }).first()) as { n: string | number }).n), 6);
      for (const f of [...fixture.oldOnlyFiles, fixture.sharedFile]) assert.ok(existsSync(h.queue.media.pathOf(f)), f);
      for (const key of fixture.labRemoved) assert.ok(existsSync(h.lab.storage.pathOf(key)), key);
    });

    it('removes old rows and files, keeping sources and still-referenced files', async () => {
      const result = await prune('--yes');
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /prompt artifacts: removed 4 rows of 2 prompts, 2 files/);
      assert.match(result.stdout, /freed [\d.]+ kB/);
      const left = (await h.knex('prompt_artifacts').select('file_path')) as Array<{ file_path: string }>;
      assert.deepEqual(left.map((r) => r.file_path).sort(), [...fixture.newFiles].sort(), 'only the new prompt keeps rows');
      for (const f of fixture.oldOnlyFiles) assert.equal(existsSync(h.queue.media.pathOf(f)), false, `${f} removed`);
      for (const f of fixture.newFiles) assert.ok(existsSync(h.queue.media.pathOf(f)), `${f} kept: a new prompt uses it`);
      for (const key of fixture.labRemoved) assert.equal(existsSync(h.lab.storage.pathOf(key)), false, `${key} removed`);
      for (const key of fixture.labKept) assert.ok(existsSync(h.lab.storage.pathOf(key)), `${key} kept`);
      const pruned = (await h.knex('prompts').whereNotNull('artifact_metadata')) as Array<{ artifact_metadata: string }>;
      assert.equal(pruned.filter((p) => (JSON.parse(p.artifact_metadata) as { prunedAt?: string }).prunedAt).length, 2, 'pruned prompts say so');

      const again = await prune('--yes');
      assert.match(again.stdout, /removed 0 rows of 0 prompts, 0 files/, 'a second run finds nothing');
    });
  });
}

describe('media-lab prune usage', () => {
  it('parses retention durations and refuses nonsense', async () => {
    assert.equal(parseDuration('30d'), 30 * DAY);
    assert.equal(parseDuration('12h'), 12 * 3_600_000);
    assert.equal(parseDuration('2w'), 14 * DAY);
    assert.equal(parseDuration('soon'), null);
    const log = captureLog();
    assert.equal(await runPromptQueueCommand(parseArgs(['prune', '--older-than', 'soon', '--db', join(tmpdir(), 'never-opened.sqlite')]), log.logger), 2);
    assert.match(log.error.join('\n'), /--older-than expects a duration such as 30d/);
    assert.equal(await runPromptQueueCommand(parseArgs(['prune', '--older-than', '1d', '--scope', 'everything']), log.logger), 2);
    assert.match(log.error.join('\n'), /--scope expects all, prompts or lab/);
  });
});
