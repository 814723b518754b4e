// An interpolate job that runs past its limit, through the worker: it fails with TIMEOUT, and
// every ffmpeg/ffprobe it started is killed and reaped (none left running, none orphaned), its
// temp and work folders removed.
import { strict as assert } from 'node:assert';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { UploadedArtifact } from '../../contract/artifact.js';
import type { AuditEvent } from '../../contract/job.js';
import type { Items } from '../../contract/pages.js';
import { createInterpolateKind, liveProcessCount } from '../../plugin/pipelines/interpolate/index.js';
import { testClips, type Clips } from '../support/clips.js';
import { ffmpegChildPidsNow, ffmpegChildren } from '../support/ffmpeg.js';
import { startTestLab, waitForStatus, type TestLab } from '../support/lab.js';

/** Whether `pid` is still an ffmpeg/ffprobe process (a child left running, or one re-parented to init). */
async function isFfmpeg(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return stat !== null && /\((ffmpeg|ffprobe)\)/.test(stat);
}

describe('interpolate: a job past its time limit', function () {
  this.timeout(120_000);
  let t: TestLab;
  let clips: Clips;

  before(async () => {
    clips = await testClips();
    t = await startTestLab({ kinds: [createInterpolateKind()], timeouts: { interpolate: 400 } });
  });
  after(async () => t?.close());

  it('fails with TIMEOUT and leaves no ffmpeg behind', async () => {
    const data = new FormData();
    data.append('file', new Blob([new Uint8Array(await readFile(clips.long))]), 'long.mp4');
    const video = (await t.json<UploadedArtifact>('/uploads', { method: 'POST', body: data })).body;
    const submitted = await t.json<{ id: string }>('/jobs', {
      method: 'POST',
      body: JSON.stringify({ workflow: 'interpolate', inputs: [video.id], params: { targetFps: 120, mode: 'quality' }, maxAttempts: 1 }),
    });
    assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
    const id = submitted.body.id;

    // Every ffmpeg/ffprobe child seen while the job runs, to check afterwards that each is gone.
    const seen = new Set<number>();
    const stages = new Set<string>();
    const onProgress = (p: { id: string; stage: string | null }) => p.id === id && p.stage && stages.add(p.stage);
    t.lab.events.on('job.progress', onProgress);
    const sampler = setInterval(() => ffmpegChildPidsNow().forEach((pid) => seen.add(pid)), 5);
    const job = await waitForStatus(t, id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 60_000).finally(() => {
      clearInterval(sampler);
      t.lab.events.off('job.progress', onProgress);
    });

    assert.equal(job.status, 'FAILED', JSON.stringify(job));
    assert.equal(job.errorCode, 'TIMEOUT');
    assert.match(job.errorMessage ?? '', /^Timed out after 400 ms: the attempt ran past its limit \(timeouts\.interpolate\)/);
    const events = (await t.json<Items<AuditEvent>>(`/jobs/${id}/events`)).body.items;
    assert.deepEqual(events.at(-1)?.details.timeout, { limitMs: 400, source: 'timeouts.interpolate' });

    assert.deepEqual(await ffmpegChildren(), [], 'ffmpeg children (or zombies) remain');
    assert.equal(liveProcessCount(), 0);
    // Reaching 'analyzing' means ffprobe ran (and ffmpeg scans the clip next): the sampler saw them.
    // (On a loaded machine the limit may pass before anything started: then there is nothing to see.)
    if (stages.has('analyzing')) assert.ok(seen.size > 0, 'no ffmpeg was seen while the job ran');
    for (const pid of seen) assert.equal(await isFfmpeg(pid), false, `ffmpeg ${pid} is still running`);
    assert.deepEqual(await readdir(join(t.dataDir, 'artifacts', 'tmp')).catch(() => []), [], 'temp folders removed');
    assert.equal((await readdir(join(t.dataDir, 'artifacts', 'work')).catch(() => [] as string[])).includes(id), false, 'work folder removed');
    assert.equal(job.outputs.length, 0);
  });
});
