import { strict as assert } from 'node:assert';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isAbortError } from '../../plugin/core/errors.js';
import { createInterpolateKind, liveProcessCount, type InterpolateMode } from '../../plugin/pipelines/interpolate/index.js';
import { testClips, type Clips } from '../support/clips.js';
import { fakeContext, makeJobDirs } from '../support/fake-context.js';
import { ffmpegChildren } from '../support/ffmpeg.js';
import { filesUnder } from '../support/files.js';
import { writeBlendModel } from '../support/onnx-models.js';
import { videoArtifact } from '../support/rows.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('interpolate: cancellation', function () {
  this.timeout(120_000);
  let clips: Clips;

  before(async () => {
    clips = await testClips();
    await writeBlendModel(join(clips.dir, 'cancel-blend.onnx'));
  });

  for (const mode of ['quality', 'model'] as InterpolateMode[]) {
    it(`mode ${mode}: kills every ffmpeg child, leaves no zombie and no temporary file`, async () => {
      const kind = createInterpolateKind({ model: { file: join(clips.dir, 'cancel-blend.onnx') } });
      const dirs = await makeJobDirs();
      try {
        const run = fakeContext({ inputs: [{ path: clips.long, artifact: await videoArtifact(clips.long) }], params: { targetFps: 120, mode }, ...dirs });
        const running = kind.executor!.run(run.ctx).then(
          () => null,
          (error: unknown) => error,
        );
        // Wait until segments are being interpolated with ffmpeg children at work (between two
        // segments there may be a moment with none), then cancel.
        const interpolating = () => run.progress.some((p) => p.stage === 'interpolating' && p.fraction > 0);
        let children = 0;
        for (let i = 0; i < 600 && !(interpolating() && (children = (await ffmpegChildren()).length) > 0); i++) await sleep(10);
        assert.ok(children > 0, 'no ffmpeg was running when cancelling');
        run.controller.abort();
        const error = await running;
        assert.ok(isAbortError(error), `expected an abort, got ${String(error)}`);
        assert.deepEqual(await ffmpegChildren(), [], 'ffmpeg children (or zombies) remain');
        assert.equal(liveProcessCount(), 0);
        assert.deepEqual(await filesUnder(run.ctx.tempDir), [], 'files left in the temp dir');
        const segments = await readdir(join(dirs.workDir, 'interpolate-segments'));
        assert.ok(!segments.some((n) => n.includes('.partial.')), `partial segment left: ${segments.join(', ')}`);
        assert.ok(run.outputs.length === 0, 'no output may be recorded for a cancelled job');
        await run.endAttempt();
      } finally {
        await rm(dirs.root, { recursive: true, force: true });
      }
    });
  }
});
