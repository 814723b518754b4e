import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage } from '../../plugin/artifacts/storage.js';

// Identical bytes share one object file. Removing an object when its last row goes must not
// race an upload (or output) of the same bytes that is recording its own row at that moment.
describe('content-addressed storage: removal racing an adoption of the same bytes', () => {
  let root: string;
  let storage: LocalStorage;
  const bytes = Buffer.from('the same bytes, uploaded twice');

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'media-lab-dedup-'));
    storage = new LocalStorage(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  async function tempFile(): Promise<string> {
    const path = storage.tempPath('.txt');
    await mkdir(join(root, 'tmp'), { recursive: true });
    await writeFile(path, bytes);
    return path;
  }

  /** An existing object with one row, whose row is being deleted. */
  async function existingObject(rows: { count: number }): Promise<string> {
    return storage.adopt(await tempFile(), 'text/plain', undefined, async (stored) => {
      rows.count++;
      return stored.storageKey;
    });
  }

  it('puts the file back when the removal took it before the new row was written', async () => {
    const rows = { count: 0 };
    const key = await existingObject(rows);
    rows.count = 0; // the old row is deleted
    // The new adoption is slow to write its row; the removal runs in between and sees no rows.
    const adopted = storage.adopt(await tempFile(), 'text/plain', undefined, async (stored) => {
      assert.equal(stored.storageKey, key, 'same bytes, same object');
      assert.equal(await storage.removeUnreferenced(key, async () => rows.count), true, 'the removal saw no rows and took the file');
      rows.count++;
      return stored;
    });
    await adopted;
    assert.deepEqual(await readFile(storage.pathOf(key)), bytes, 'the object is there for the new row');
  });

  it('backs off when a row appears between its two counts', async () => {
    const rows = { count: 0 };
    const key = await existingObject(rows);
    let counts = 0;
    // No rows at the first count; by the second, another upload has recorded its row.
    const removed = await storage.removeUnreferenced(key, async () => (counts++ === 0 ? 0 : 1));
    assert.equal(removed, false);
    assert.deepEqual(await readFile(storage.pathOf(key)), bytes);
    assert.deepEqual((await readdir(join(storage.pathOf(key), '..'))).filter((n) => n.includes('.removing')), [], 'nothing left aside');
  });

  it('removes the file when no row refers to it, and leaves no temp file from adopting', async () => {
    const rows = { count: 0 };
    const key = await existingObject(rows);
    assert.equal(await storage.removeUnreferenced(key, async () => 0), true);
    assert.deepEqual(await readdir(join(storage.pathOf(key), '..')), []);
    assert.deepEqual(await readdir(join(root, 'tmp')), [], 'the adopted source is consumed');
  });

  it('keeps the file while a row refers to it, and consumes the source when recording fails', async () => {
    const rows = { count: 1 };
    const key = await existingObject(rows);
    assert.equal(await storage.removeUnreferenced(key, async () => 1), false);
    const source = await tempFile();
    await assert.rejects(storage.adopt(source, 'text/plain', undefined, async () => {
      throw new Error('insert failed');
    }), /insert failed/);
    assert.deepEqual(await readdir(join(root, 'tmp')), [], 'no temp file left behind');
    assert.deepEqual(await readFile(storage.pathOf(key)), bytes);
  });

  it('copies a file from another filesystem into place, consuming it and leaving no staging file', async () => {
    // /dev/shm is a tmpfs on Linux: a hard link from there fails with EXDEV and the copy path runs.
    const elsewhere = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'media-lab-other-fs-'));
    try {
      const source = join(elsewhere, 'upload.txt');
      await writeFile(source, bytes);
      const key = await storage.adopt(source, 'text/plain', undefined, async (stored) => stored.storageKey);
      assert.deepEqual(await readFile(storage.pathOf(key)), bytes);
      assert.deepEqual(await readdir(elsewhere), [], 'the source is consumed');
      assert.deepEqual(await readdir(join(root, 'tmp')), [], 'no staging file left');
      assert.deepEqual((await readdir(join(storage.pathOf(key), '..'))).length, 1, 'only the object itself');
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });
});
