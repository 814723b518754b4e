import { strict as assert } from 'node:assert';
import { testClips, type Clips } from '../support/clips.js';
import { ffmpegChildren } from '../support/ffmpeg.js';
import { removeJob, runToSuccess } from './run-job.js';

/** Runs `work` while counting ffmpeg children (ffprobe excluded) now and then; returns the most seen at once (a sample may miss a process on a loaded machine, never add one). */
async function peakFfmpegProcesses(work: () => Promise<unknown>): Promise<number> {
  let peak = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, (await ffmpegChildren()).filter((p) => p.command === 'ffmpeg').length);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  try {
    await work();
  } finally {
    running = false;
    await sampler;
  }
  return peak;
}

describe('interpolate: segments run in parallel up to the lane limit', function () {
  this.timeout(120_000);
  let clips: Clips;
  before(async () => {
    clips = await testClips();
  });

  for (const lane of [1, 2]) {
    it(`lane ${lane}: at most ${lane} segment process(es) at once, and the lane is used`, async () => {
      let job: Awaited<ReturnType<typeof runToSuccess>> | undefined;
      const peak = await peakFfmpegProcesses(async () => {
        job = await runToSuccess(clips.long, { targetFps: 120, mode: 'fast' }, {}, lane);
      });
      try {
        assert.equal(job?.result?.summary?.segments, 2 * lane); // two per lane slot on a short clip
        // The lane is used: the executor's own count of segments in flight at once.
        assert.equal(job?.result?.summary?.parallelSegments, lane);
        // Never more ffmpeg processes than the lane allows (sampled: a sample can miss one, never add one).
        assert.ok(peak <= lane, `${peak} ffmpeg processes at once with lane ${lane}`);
      } finally {
        await removeJob(job);
      }
    });
  }
});
