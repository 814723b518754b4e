import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { DEFAULT_JANITOR_SETTINGS, tidyStorage } from '../../plugin/artifacts/janitor.js';
import { LocalStorage } from '../../plugin/artifacts/storage.js';
import { insertArtifact } from '../../plugin/artifacts/store.js';
import { migrateLatest } from '../../plugin/db/migrate.js';
import type { NewJob } from '../../plugin/jobs/store.js';
import { insertJob, isJobRunning } from '../../plugin/jobs/store.js';
import { claimNextJob } from '../../plugin/jobs/claim.js';
import { jobTempName } from '../../plugin/artifacts/temp-dir-name.js';
import { sqliteDatabase } from '../support/db.js';
import { inputArtifact } from '../support/rows.js';

// What a crash leaves in storage is found and settled the next time Media Lab starts: nothing a
// row needs is lost, and nothing nobody needs stays behind.
describe('storage janitor: what a crash leaves behind', () => {
  let root: string;
  let storage: LocalStorage;
  let knex: Knex;
  const later = (ms: number) => Date.now() + ms;
  const jobRunning = (jobId: string) => isJobRunning(knex, jobId);

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'media-lab-janitor-'));
    storage = new LocalStorage(root);
    await storage.init();
    knex = sqliteDatabase().open();
    await migrateLatest(knex);
  });
  afterEach(async () => {
    await knex.destroy();
    await rm(root, { recursive: true, force: true });
  });

  async function storedObject(text: string, withRow: boolean): Promise<string> {
    const path = storage.tempPath('.txt');
    await writeFile(path, text);
    return storage.adopt(path, 'text/plain', undefined, async (stored) => {
      if (withRow) await insertArtifact(knex, inputArtifact({ storageKey: stored.storageKey, sha256: stored.sha256, bytes: stored.bytes, mime: 'text/plain' }));
      return stored.storageKey;
    });
  }

  /** A removal that moved the file aside and then died before counting the rows again. */
  async function interruptedRemoval(key: string): Promise<void> {
    const aside = (await readdir(join(root, 'removing'))).length;
    let counts = 0;
    void storage.removeUnreferenced(key, () => (counts++ === 0 ? Promise.resolve(0) : new Promise<number>(() => undefined)));
    while ((await readdir(join(root, 'removing'))).length === aside) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  it('puts back an object whose row appeared while its removal was cut short, and finishes removals nobody needs', async () => {
    const needed = await storedObject('a row recorded these bytes as the removal began', true);
    const unneeded = await storedObject('nobody refers to these bytes', false);
    await interruptedRemoval(needed);
    await assert.rejects(readFile(storage.pathOf(needed)), 'the file is aside, the row points to nothing');
    await interruptedRemoval(unneeded);

    const report = await tidyStorage(knex, storage, jobRunning, DEFAULT_JANITOR_SETTINGS, later(DEFAULT_JANITOR_SETTINGS.removalAgeMs + 1000));
    assert.deepEqual(report, { restored: 1, removed: 1, tempRemoved: 0 });
    assert.equal(await readFile(storage.pathOf(needed), 'utf8'), 'a row recorded these bytes as the removal began');
    await assert.rejects(readFile(storage.pathOf(unneeded)));
    assert.deepEqual(await readdir(join(root, 'removing')), []);
  });

  it('leaves a removal that may still be running alone', async () => {
    const key = await storedObject('being removed right now', true);
    await interruptedRemoval(key);
    const report = await tidyStorage(knex, storage, jobRunning, DEFAULT_JANITOR_SETTINGS, later(1000));
    assert.deepEqual(report, { restored: 0, removed: 0, tempRemoved: 0 });
    assert.equal((await readdir(join(root, 'removing'))).length, 1);
  });

  it('removes temp files and folders untouched for a day, keeps those still being written', async () => {
    const dayAgo = new Date(Date.now() - DEFAULT_JANITOR_SETTINGS.tempAgeMs - 60_000);
    const staleUpload = storage.tempPath('.part');
    await writeFile(staleUpload, 'half an upload');
    await utimes(staleUpload, dayAgo, dayAgo);
    const staleJob = join(root, 'tmp', 'job-dead-a1-0000');
    await mkdir(staleJob);
    await writeFile(join(staleJob, 'out.mp4'), 'frames');
    await utimes(join(staleJob, 'out.mp4'), dayAgo, dayAgo);
    await utimes(staleJob, dayAgo, dayAgo);
    // An old folder with one file still being written belongs to a live job.
    const liveJob = join(root, 'tmp', 'job-live-a1-0000');
    await mkdir(liveJob);
    await writeFile(join(liveJob, 'segment.mp4'), 'being written');
    await utimes(liveJob, dayAgo, dayAgo);
    const freshUpload = storage.tempPath('.part');
    await writeFile(freshUpload, 'arriving');

    const report = await tidyStorage(knex, storage, jobRunning);
    assert.equal(report.tempRemoved, 2);
    assert.deepEqual((await readdir(join(root, 'tmp'))).sort(), ['job-live-a1-0000', freshUpload.split('/').at(-1)!].sort());
  });

  it('never sweeps the temp folder of a job still running, however quiet', async () => {
    const dayAgo = new Date(Date.now() - DEFAULT_JANITOR_SETTINGS.tempAgeMs - 60_000);
    const newJob: NewJob = { workflow: 'generate', preset: null, params: {}, inputIds: [], priority: 0, maxAttempts: 3, submittedBy: 'admin', idempotencyKey: null, source: 'lab', sourceRef: null };
    await insertJob(knex, newJob);
    const running = (await claimNextJob(knex, { owner: 'worker-1', kinds: ['generate'], leaseMs: 60_000 }))!;
    assert.equal(running.status, 'RUNNING');
    const requeued = await insertJob(knex, newJob); // not running (say, queued again after a crash): its old folder is dead
    const folders = [jobTempName(running.id, 1, 'a1b2c3d4e5f6'), jobTempName(requeued.id, 1, '0f0f0f0f0f0f')];
    for (const name of folders) {
      await mkdir(join(root, 'tmp', name));
      await utimes(join(root, 'tmp', name), dayAgo, dayAgo);
    }
    const report = await tidyStorage(knex, storage, jobRunning);
    assert.equal(report.tempRemoved, 1);
    assert.deepEqual(await readdir(join(root, 'tmp')), [folders[0]]);
  });
});
