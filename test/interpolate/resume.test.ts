import { strict as assert } from 'node:assert';
import { rm, stat, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isAbortError } from '../../plugin/core/errors.js';
import type { JsonObject } from '../../plugin/core/types.js';
import { createInterpolateKind } from '../../plugin/pipelines/interpolate/index.js';
import { testClips, type Clips } from '../support/clips.js';
import { fakeContext, makeJobDirs, type FakeRun } from '../support/fake-context.js';
import { decodedFrameCount } from '../support/ffmpeg.js';
import { videoArtifact } from '../support/rows.js';

const SEGMENTS_DIR = 'interpolate-segments';

function finishedOf(checkpoint: JsonObject): { index: number; file: string }[] {
  return (checkpoint.finished ?? []) as { index: number; file: string }[];
}

describe('interpolate: resume after an interrupted attempt', function () {
  this.timeout(120_000);
  let clips: Clips;
  let dirs: Awaited<ReturnType<typeof makeJobDirs>>;
  const kind = createInterpolateKind();

  before(async () => {
    clips = await testClips();
    dirs = await makeJobDirs();
  });
  after(() => rm(dirs.root, { recursive: true, force: true }));

  it('keeps finished segments, and the next attempt reuses them instead of redoing them', async () => {
    const artifact = await videoArtifact(clips.motion);
    const params = { targetFps: 120, mode: 'quality' as const };

    // Attempt 1: one lane, stopped right after the first segment is recorded.
    const first = fakeContext({
      inputs: [{ path: clips.motion, artifact }],
      params,
      ...dirs,
      laneConcurrency: 1,
      onCheckpoint: (state: JsonObject, run: FakeRun) => {
        if (finishedOf(state).length === 1) run.controller.abort();
      },
    });
    const failure = await kind.executor!.run(first.ctx).then(
      () => null,
      (error: unknown) => error,
    );
    assert.ok(isAbortError(failure), `expected the attempt to stop, got ${String(failure)}`);
    await first.endAttempt();
    const saved = first.ctx.job.checkpoint;
    assert.equal(finishedOf(saved).length, 1);
    const kept = finishedOf(saved)[0];
    const segmentsDir = join(dirs.workDir, SEGMENTS_DIR);
    const before = await stat(join(segmentsDir, kept.file));
    // A worker that died mid-write would leave a partial file behind.
    await writeFile(join(segmentsDir, 'segment-00001.partial.mp4'), 'half a segment');

    // Attempt 2: same job, same work dir, the saved checkpoint.
    const second = fakeContext({ inputs: [{ path: clips.motion, artifact }], params, ...dirs, job: { checkpoint: saved } });
    const result = await kind.executor!.run(second.ctx);
    await second.endAttempt();
    assert.equal(result?.summary?.reusedSegments, 1);
    assert.ok(second.logs.some((l) => l.includes('resuming')));
    const after = await stat(join(segmentsDir, kept.file));
    assert.equal(after.mtimeMs, before.mtimeMs, 'the finished segment was rewritten');
    assert.equal(after.ino, before.ino);
    assert.ok(!(await readdir(segmentsDir)).some((n) => n.includes('.partial.')), 'partial file left behind');
    // Progress starts from the reused work, not from zero.
    assert.ok(second.progress.filter((p) => p.stage === 'interpolating')[0].fraction > 0);
    const output = second.outputs.find((o) => o.artifact.role === 'output')!;
    assert.equal(await decodedFrameCount(output.path), 240);
  });

  it('starts over when the checkpoint was made with other settings', async () => {
    const artifact = await videoArtifact(clips.motion);
    const fresh = await makeJobDirs();
    try {
      const first = fakeContext({ inputs: [{ path: clips.motion, artifact }], params: { targetFps: 120, mode: 'fast' }, ...fresh });
      await kind.executor!.run(first.ctx);
      await first.endAttempt();
      const second = fakeContext({ inputs: [{ path: clips.motion, artifact }], params: { targetFps: 180, mode: 'fast' }, ...fresh, job: { checkpoint: first.ctx.job.checkpoint } });
      const result = await kind.executor!.run(second.ctx);
      await second.endAttempt();
      assert.equal(result?.summary?.reusedSegments, 0);
      assert.equal(await decodedFrameCount(second.outputs[0].path), 360);
    } finally {
      await rm(fresh.root, { recursive: true, force: true });
    }
  });
});
