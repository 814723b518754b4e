import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InterpolateMode } from '../../plugin/pipelines/interpolate/index.js';
import { CLIP_HEIGHT, CLIP_WIDTH, testClips, type Clips } from '../support/clips.js';
import { decodedFrameCount, grayFrames, meanAbsDiff } from '../support/ffmpeg.js';
import { writeBlendModel } from '../support/onnx-models.js';
import { metadataOf, outputOf, removeJob, runToSuccess } from './run-job.js';

// The clip cuts from testsrc2 to a mandelbrot zoom at source frame 60 (1 s at 60 fps), so in
// the 120 fps output frame 118 is the last real frame of shot 1, 119 sits between the shots,
// and 120 is the first frame of shot 2.
describe('interpolate: scene cuts', function () {
  this.timeout(120_000);
  let clips: Clips;
  let modelDir: string;

  before(async () => {
    clips = await testClips();
    modelDir = await mkdtemp(join(tmpdir(), 'media-lab-interp-model-'));
    await writeBlendModel(join(modelDir, 'blend.onnx'));
  });
  after(() => rm(modelDir, { recursive: true, force: true }));

  for (const mode of ['fast', 'quality', 'model'] as InterpolateMode[]) {
    it(`mode ${mode}: repeats the last frame of a shot instead of morphing into the next`, async () => {
      const job = await runToSuccess(clips.sceneCut, { targetFps: 120, mode }, { model: { file: join(modelDir, 'blend.onnx') } });
      try {
        assert.deepEqual(metadataOf(job).sceneCuts, [60]);
        const path = outputOf(job).path;
        assert.equal(await decodedFrameCount(path), 240);
        const frames = await grayFrames(path, CLIP_WIDTH, CLIP_HEIGHT);
        const toShotOne = meanAbsDiff(frames[119], frames[118]);
        const toShotTwo = meanAbsDiff(frames[119], frames[120]);
        const cutSize = meanAbsDiff(frames[118], frames[120]);
        assert.ok(toShotOne < 1.5, `frame 119 differs from shot 1's last frame by ${toShotOne}`);
        assert.ok(toShotTwo > cutSize * 0.8, `frame 119 looks part-way to shot 2 (${toShotTwo} of ${cutSize})`);
        // Shot 2 starts clean too: its first frame is not a blend with shot 1.
        assert.ok(meanAbsDiff(frames[120], frames[121]) < cutSize / 4);
      } finally {
        await removeJob(job);
      }
    });
  }
});
