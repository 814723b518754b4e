// The interpolate kind inside the real job core: upload, submit-time 422, a run to success
// through the worker, lanes (an enhance job submitted later finishes first), and cancel.
import { strict as assert } from 'node:assert';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterpolateKind } from '../../plugin/pipelines/interpolate/index.js';
import type { UploadedArtifact } from '../../contract/artifact.js';
import type { JobDetail, SubmitJobResponse } from '../../contract/job.js';
import type { Problem } from '../../contract/problem.js';
import { testClips, type Clips } from '../support/clips.js';
import { ffmpegChildren } from '../support/ffmpeg.js';
import { steppingKind } from '../support/kinds.js';
import { startTestLab, waitForStatus, type TestLab } from '../support/lab.js';
import { waitFor } from '../support/wait.js';

describe('interpolate: in the job core (worker, lanes, HTTP)', function () {
  this.timeout(120_000);
  let t: TestLab;
  let clips: Clips;

  async function upload(path: string): Promise<UploadedArtifact> {
    const data = new FormData();
    data.append('file', new Blob([new Uint8Array(await readFile(path))]), path.split('/').pop());
    const res = await t.json<UploadedArtifact>('/uploads', { method: 'POST', body: data });
    assert.ok(res.status === 201 || res.status === 200, `upload answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function submit(inputs: string[], params: Record<string, unknown>, workflow = 'interpolate') {
    return t.json<SubmitJobResponse & Pick<Problem, 'errors'>>('/jobs', {
      method: 'POST',
      body: JSON.stringify({ workflow, inputs, params }),
    });
  }

  before(async () => {
    clips = await testClips();
    t = await startTestLab({ kinds: [createInterpolateKind(), steppingKind('enhance')], lanes: { interpolate: 2, enhance: 1 } });
  });
  after(async () => t?.close());

  it('answers 422 naming params.targetFps for 60 -> 95, listing the allowed values', async () => {
    const video = await upload(clips.motion);
    const res = await submit([video.id], { targetFps: 95 });
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.errors?.[0].field, 'params.targetFps');
    assert.match(res.body.errors?.[0].message ?? '', /Allowed for this input: 72, 90, 100, 119\.88, 120/);
  });

  it('runs a job to success and publishes the video and its poster', async () => {
    const video = await upload(clips.motion);
    const res = await submit([video.id], { targetFps: 120, mode: 'fast' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const job = await waitForStatus(t, res.body.id, ['SUCCEEDED', 'FAILED'], 60_000);
    assert.equal(job.status, 'SUCCEEDED', JSON.stringify(job));
    const output = job.outputs.find((o) => o.role === 'output');
    assert.equal(output?.fps, 120);
    assert.equal(output?.metadata.frameCount, 240);
    assert.ok(job.outputs.some((o) => o.role === 'preview' && o.kind === 'image'));
  });

  it('a long interpolation does not block an enhance job submitted after it', async () => {
    const video = await upload(clips.long);
    const long = await submit([video.id], { targetFps: 120, mode: 'quality' });
    assert.equal(long.status, 202, JSON.stringify(long.body));
    await waitForStatus(t, long.body.id, ['RUNNING']);
    const quick = await submit([], { steps: 1 }, 'enhance');
    assert.equal(quick.status, 202, JSON.stringify(quick.body));
    await waitForStatus(t, quick.body.id, ['SUCCEEDED'], 30_000);
    assert.equal((await t.json<JobDetail>(`/jobs/${long.body.id}`)).body.status, 'RUNNING');

    // Cancel it mid-way: every ffmpeg child goes, and nothing is published or left in temp.
    await waitFor(async () => ((await t.json<JobDetail>(`/jobs/${long.body.id}`)).body.progress > 0 ? true : null), 'interpolation progress', 30_000);
    const cancel = await t.json(`/jobs/${long.body.id}/cancel`, { method: 'POST' });
    assert.ok(cancel.status === 200 || cancel.status === 202, `cancel answered ${cancel.status}`);
    const cancelled = await waitForStatus(t, long.body.id, ['CANCELLED'], 30_000);
    assert.equal(cancelled.errorCode, 'CANCELLED');
    await waitFor(async () => ((await ffmpegChildren()).length === 0 ? true : null), 'ffmpeg children to exit', 5_000);
    assert.equal((await t.knex('media_artifacts').where({ job_id: long.body.id })).length, 0);
    assert.deepEqual(await readdir(join(t.dataDir, 'artifacts', 'tmp')).catch(() => []), []);
  });
});
