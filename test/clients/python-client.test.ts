// The stdlib-only Python client (clients/python/) against a running lab, with the machine's
// python3: upload, an enhance job end to end (submit, wait with progress, download), provenance,
// reproduce, and the errors a caller sees (422 naming the field, 409, 401, 404).
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DATABASES } from '../support/db.js';
import { REPO_ROOT, tempDir } from '../support/files.js';
import { ADMIN, startTestLab, type TestLab } from '../support/lab.js';
import { rawImage, writeTemp } from '../support/media.js';

const run = promisify(execFile);

interface Report {
  upload: { id: string; sha256: string; again: string };
  job: { id: string; status: string; progress: Array<[string, number]>; output: string; sha256: string; stale: boolean };
  download: { path: string; sha256: string };
  provenance: { steps: string[]; artifacts: string[] };
  reproduced: string;
  errors: Record<string, { status: number; code: string; fields?: string[]; advice?: boolean }>;
}

for (const target of DATABASES) {
  target.describe(`the Python client against a running lab on ${target.name}`, function () {
    this.timeout(60_000);
    let t: TestLab;
    let dir: string;
    before(async () => {
      dir = tempDir('media-lab-python-');
      t = await startTestLab({ db: await target.create() });
    });
    after(async () => {
      await t?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('uploads, runs an enhance job with progress, downloads it, reads provenance, reproduces; errors carry codes', async () => {
      const image = await writeTemp(dir, 'portrait.png', await rawImage(32, 24, 5).png().toBuffer());
      const { stdout } = await run('python3', [join(REPO_ROOT, 'test/clients/enhance_e2e.py'), t.api, ADMIN, image, join(dir, 'out')], {
        env: { ...process.env, PYTHONPATH: join(REPO_ROOT, 'clients/python'), PYTHONDONTWRITEBYTECODE: '1' },
        timeout: 50_000,
      });
      const report = JSON.parse(stdout) as Report;

      assert.equal(report.upload.sha256, createHash('sha256').update(await readFile(image)).digest('hex'));
      assert.equal(report.upload.again, report.upload.id, 'the same bytes are the same artifact');
      assert.equal(report.job.status, 'SUCCEEDED');
      assert.deepEqual(report.job.progress.at(-1), ['SUCCEEDED', 1], 'the last progress call saw the end');
      assert.ok(report.job.progress.length >= 2, `progress was reported as it changed: ${JSON.stringify(report.job.progress)}`);
      assert.equal(report.job.stale, false);
      assert.equal(report.download.sha256, report.job.sha256, 'the downloaded file is the output');
      assert.equal(createHash('sha256').update(await readFile(report.download.path)).digest('hex'), report.job.sha256);
      assert.deepEqual(report.provenance, { steps: [report.job.id], artifacts: [report.job.output, report.upload.id] });
      assert.equal(report.reproduced, report.job.sha256, 'reproduce gives the same bytes');

      assert.deepEqual(report.errors.invalid, { status: 422, code: 'VALIDATION_FAILED', fields: ['params.scale'], advice: true });
      assert.deepEqual(report.errors.fresh, { status: 409, code: 'NOT_STALE' });
      assert.deepEqual(report.errors.anonymous, { status: 401, code: 'UNAUTHENTICATED' });
      assert.deepEqual(report.errors.unknown, { status: 404, code: 'NOT_FOUND' });
    });
  });
}
