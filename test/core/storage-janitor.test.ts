import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { DEFAULT_JANITOR_SETTINGS, janitorSettingsFor, tidyStorage } from '../../plugin/artifacts/janitor.js';
import { LocalStorage } from '../../plugin/artifacts/storage.js';
import { insertArtifact } from '../../plugin/artifacts/store.js';
import { migrateLatest } from '../../plugin/db/migrate.js';
import type { NewJob } from '../../plugin/jobs/store.js';
import { insertJob } from '../../plugin/jobs/store.js';
import { janitorJobs } from '../../plugin/jobs/janitor-facts.js';
import { transition } from '../../plugin/jobs/transition.js';
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
  const newJob: NewJob = { workflow: 'generate', preset: null, params: {}, inputIds: [], priority: 0, maxAttempts: 3, submittedBy: 'admin', idempotencyKey: null, source: 'lab', sourceRef: null };
  /** A job claimed by a worker (RUNNING), then, if `to` is given, moved there by that worker. */
  async function jobIn(to: 'RUNNING' | 'QUEUED' | 'SUCCEEDED'): Promise<string> {
    const { id } = await insertJob(knex, newJob);
    if (to === 'QUEUED') return id;
    await claimNextJob(knex, { owner: 'worker-1', kinds: ['generate'], leaseMs: 60_000 });
    if (to === 'SUCCEEDED') await transition(knex, { id, from: ['RUNNING'], to, actor: 'worker:worker-1', type: 'succeeded', leaseOwner: 'worker-1' });
    return id;
  }

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

    const report = await tidyStorage(knex, storage, janitorJobs(knex), DEFAULT_JANITOR_SETTINGS, later(DEFAULT_JANITOR_SETTINGS.removalAgeMs + 1000));
    assert.deepEqual(report, { restored: 1, removed: 1, tempRemoved: 0, workRemoved: 0, orphansRemoved: 0 });
    assert.equal(await readFile(storage.pathOf(needed), 'utf8'), 'a row recorded these bytes as the removal began');
    await assert.rejects(readFile(storage.pathOf(unneeded)));
    assert.deepEqual(await readdir(join(root, 'removing')), []);
  });

  it('leaves a removal that may still be running alone', async () => {
    const key = await storedObject('being removed right now', true);
    await interruptedRemoval(key);
    const report = await tidyStorage(knex, storage, janitorJobs(knex), DEFAULT_JANITOR_SETTINGS, later(1000));
    assert.deepEqual(report, { restored: 0, removed: 0, tempRemoved: 0, workRemoved: 0, orphansRemoved: 0 });
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

    const report = await tidyStorage(knex, storage, janitorJobs(knex));
    assert.equal(report.tempRemoved, 2);
    assert.deepEqual((await readdir(join(root, 'tmp'))).sort(), ['job-live-a1-0000', freshUpload.split('/').at(-1)!].sort());
  });

  it('never sweeps the temp folder of a job still running, however quiet', async () => {
    const dayAgo = new Date(Date.now() - DEFAULT_JANITOR_SETTINGS.tempAgeMs - 60_000);
    await insertJob(knex, newJob);
    const running = (await claimNextJob(knex, { owner: 'worker-1', kinds: ['generate'], leaseMs: 60_000 }))!;
    assert.equal(running.status, 'RUNNING');
    const requeued = await insertJob(knex, newJob); // not running (say, queued again after a crash): its old folder is dead
    const folders = [jobTempName(running.id, 1, 'a1b2c3d4e5f6'), jobTempName(requeued.id, 1, '0f0f0f0f0f0f')];
    for (const name of folders) {
      await mkdir(join(root, 'tmp', name));
      await utimes(join(root, 'tmp', name), dayAgo, dayAgo);
    }
    const report = await tidyStorage(knex, storage, janitorJobs(knex));
    assert.equal(report.tempRemoved, 1);
    assert.deepEqual(await readdir(join(root, 'tmp')), [folders[0]]);
  });

  it('removes the work folders of jobs that ended (their worker died after the job succeeded), keeps those of queued and running jobs', async () => {
    const succeeded = await jobIn('SUCCEEDED');
    const queued = await jobIn('QUEUED'); // waiting to resume from its work folder
    const running = await jobIn('RUNNING');
    for (const id of [succeeded, queued, running, 'no-such-job']) {
      await mkdir(storage.workDirOf(id), { recursive: true });
      await writeFile(join(storage.workDirOf(id), 'segment-0001.mp4'), 'frames');
    }
    const quietEnough = later(DEFAULT_JANITOR_SETTINGS.workAgeMs + 1000);
    assert.equal((await tidyStorage(knex, storage, janitorJobs(knex))).workRemoved, 0, 'a folder written a moment ago stays');
    const report = await tidyStorage(knex, storage, janitorJobs(knex), DEFAULT_JANITOR_SETTINGS, quietEnough);
    assert.equal(report.workRemoved, 2);
    assert.deepEqual((await readdir(join(root, 'work'))).sort(), [queued, running].sort());
  });

  it('removes objects no row refers to once past the grace period, never one a running attempt may still record', async () => {
    const referenced = await storedObject('an upload with its row', true);
    const orphan = await storedObject('placed by a worker killed before it wrote the row', false);
    const pastGrace = later(DEFAULT_JANITOR_SETTINGS.orphanAgeMs + 1000);
    assert.equal((await tidyStorage(knex, storage, janitorJobs(knex))).orphansRemoved, 0, 'within the grace period: its row may still come');

    // A job running since before the orphan was placed may be about to write its row.
    const running = await jobIn('RUNNING');
    await knex('media_jobs').where({ id: running }).update({ started_at: new Date(Date.now() - 3_600_000).toISOString() });
    assert.equal((await tidyStorage(knex, storage, janitorJobs(knex), DEFAULT_JANITOR_SETTINGS, pastGrace)).orphansRemoved, 0);
    assert.equal(await readFile(storage.pathOf(orphan), 'utf8'), 'placed by a worker killed before it wrote the row');

    await transition(knex, { id: running, from: ['RUNNING'], to: 'SUCCEEDED', actor: 'worker:worker-1', type: 'succeeded', leaseOwner: 'worker-1' });
    const report = await tidyStorage(knex, storage, janitorJobs(knex), DEFAULT_JANITOR_SETTINGS, pastGrace);
    assert.equal(report.orphansRemoved, 1);
    await assert.rejects(readFile(storage.pathOf(orphan)));
    assert.equal(await readFile(storage.pathOf(referenced), 'utf8'), 'an upload with its row');
    assert.deepEqual(await readdir(join(root, 'removing')), [], 'removed through removing/, nothing left there');
  });

  it('grace for orphans: the larger of twice the lease and an hour, unless configured', () => {
    assert.equal(janitorSettingsFor(60_000).orphanAgeMs, 3_600_000);
    assert.equal(janitorSettingsFor(3 * 3_600_000).orphanAgeMs, 6 * 3_600_000);
    assert.equal(janitorSettingsFor(60_000, 5 * 60_000).orphanAgeMs, 5 * 60_000);
  });
});
