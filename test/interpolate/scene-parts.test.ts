import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectSceneCuts, scanParts } from '../../plugin/pipelines/interpolate/analysis/scene-cuts.js';
import { ffmpeg, ffprobeJson } from '../support/ffmpeg.js';

// Long inputs are scanned for cuts in parallel parts; a cut must be found wherever it falls,
// the first frame of a part included.
describe('interpolate: scene cuts scanned in parallel parts', function () {
  this.timeout(60_000);
  let dir: string;
  let clip: string;
  let offsetClip: string;
  const base = { threshold: 0.3, streamIndex: 0, rate: { num: 60, den: 1 }, frameCount: 300, startOffset: 0 };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'media-lab-scene-parts-'));
    clip = join(dir, 'three-shots.mp4');
    // Shots start at frames 0, 150 (exactly where a second part begins) and 200.
    await ffmpeg([
      '-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=60,trim=end_frame=150',
      '-f', 'lavfi', '-i', 'mandelbrot=s=160x90:r=60:start_scale=1.5,trim=end_frame=50',
      '-f', 'lavfi', '-i', 'smptebars=s=160x90:r=60,hue=h=t*90,trim=end_frame=100',
      '-filter_complex', '[0:v][1:v][2:v]concat=n=3:v=1:a=0,format=yuv420p[v]',
      '-map', '[v]', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '60', clip,
    ]);
    // The same shots with timestamps that start at 1.4 s (as a broadcast recording's do): frame
    // numbers must not depend on the file's start time.
    offsetClip = join(dir, 'three-shots-offset.mkv');
    await ffmpeg(['-i', clip, '-c', 'copy', '-output_ts_offset', '1.4', offsetClip]);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('splits into equal parts of at least 120 frames, at most one per lane', () => {
    assert.deepEqual(scanParts(300, 2), [{ start: 0, end: 150 }, { start: 150, end: 300 }]);
    assert.deepEqual(scanParts(300, 4), [{ start: 0, end: 150 }, { start: 150, end: 300 }]);
    assert.deepEqual(scanParts(100, 2), [{ start: 0, end: 100 }]);
  });

  it('finds the same cuts in one part and in two, including one on the boundary', async () => {
    const signal = new AbortController().signal;
    const whole = await detectSceneCuts(clip, { ...base, parts: 1, signal });
    const split = await detectSceneCuts(clip, { ...base, parts: 2, signal });
    assert.deepEqual(whole, [150, 200]);
    assert.deepEqual(split, whole);
  });

  it('finds the same cuts while it reports progress, which rises to 1', async () => {
    const signal = new AbortController().signal;
    for (const path of [clip, offsetClip]) {
      for (const parts of [1, 2]) {
        const fractions: number[] = [];
        const cuts = await detectSceneCuts(path, { ...base, parts, signal, onProgress: (f) => fractions.push(f) });
        assert.deepEqual(cuts, [150, 200], `${path}, ${parts} part(s)`);
        assert.deepEqual([...fractions].sort((a, b) => a - b), fractions, 'never goes back');
        assert.equal(fractions.at(-1), 1, 'every frame of every part counted');
      }
    }
  });

  it('numbers frames the same in every part when the file does not start at zero', async () => {
    const signal = new AbortController().signal;
    const { format } = await ffprobeJson<{ format: { start_time: string } }>(['-show_format', offsetClip]);
    assert.ok(Number(format.start_time) > 1, `the file starts at ${format.start_time} s`);
    for (const parts of [1, 2]) assert.deepEqual(await detectSceneCuts(offsetClip, { ...base, parts, signal }), [150, 200], `${parts} part(s)`);
  });

  it('stops every part when cancelled', async () => {
    const controller = new AbortController();
    const scanning = detectSceneCuts(clip, { ...base, parts: 2, signal: controller.signal });
    controller.abort();
    await assert.rejects(scanning);
  });
});
