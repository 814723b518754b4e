// Progress must move during the analysis too: the frame index and the scene scan read the whole
// input, which on a long video takes many seconds. Asserted on the analysis' own progress
// callbacks, on a clip made long enough (from this machine's speed) that the analysis runs > 3 s.
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexFrames } from '../../plugin/pipelines/interpolate/analysis/frame-index.js';
import { detectSceneCuts } from '../../plugin/pipelines/interpolate/analysis/scene-cuts.js';
import { AnalysisProgress } from '../../plugin/pipelines/interpolate/progress.js';
import { ffmpeg } from '../support/ffmpeg.js';

const LONG_ANALYSIS_MS = 3000;
const MAX_GAP_MS = 2000;

interface Recorded {
  startedAt: number;
  finishedAt: number;
  cuts: number[];
  frameCount: number;
  updates: Array<{ at: number; fraction: number; stage: string }>;
}

describe('interpolate: the analysis reports progress as it reads the video', function () {
  this.timeout(600_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'media-lab-analysis-progress-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** Two shots of 5 s at 60 fps, repeated `repeats` times by stream copy: a cut every 300 frames. */
  async function makeClip(repeats: number): Promise<string> {
    const shots = join(dir, 'two-shots.mp4');
    await ffmpeg([
      '-f', 'lavfi', '-i', 'testsrc2=s=480x270:r=60,trim=end_frame=300',
      '-f', 'lavfi', '-i', 'smptebars=s=480x270:r=60,hue=h=t*90,trim=end_frame=300',
      '-filter_complex', '[0:v][1:v]concat=n=2:v=1:a=0,format=yuv420p[v]',
      '-map', '[v]', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '120', shots,
    ]);
    const path = join(dir, `repeated-${repeats}.mp4`);
    await ffmpeg(['-stream_loop', String(repeats - 1), '-i', shots, '-c', 'copy', path]);
    return path;
  }

  async function analyze(path: string): Promise<Recorded> {
    const signal = new AbortController().signal;
    const updates: Recorded['updates'] = [];
    const progress = new AnalysisProgress(1, ({ fraction, stage }) => updates.push({ at: Date.now(), fraction, stage }));
    const startedAt = Date.now();
    const index = await indexFrames(path, 0, [{ num: 60, den: 1 }], signal, progress.step('frame index'));
    const cuts = await detectSceneCuts(path, {
      threshold: 0.3,
      streamIndex: 0,
      rate: index.rate,
      frameCount: index.frameCount,
      startOffset: 0,
      parts: 2,
      signal,
      onProgress: progress.step('scene cuts'),
    });
    return { startedAt, finishedAt: Date.now(), cuts, frameCount: index.frameCount, updates };
  }

  it('moves at least every 2 s with rising numbers that end near 1, and finds every cut', async () => {
    let repeats = 2;
    let recorded: Recorded;
    for (let attempt = 1; ; attempt++) {
      recorded = await analyze(await makeClip(repeats));
      assert.equal(recorded.frameCount, 600 * repeats);
      const cuts = Array.from({ length: 2 * repeats - 1 }, (_, i) => 300 * (i + 1));
      assert.deepEqual(recorded.cuts, cuts, 'a cut at every shot change');
      const duration = recorded.finishedAt - recorded.startedAt;
      if (duration > LONG_ANALYSIS_MS || attempt === 4) break;
      repeats *= Math.min(8, Math.ceil((LONG_ANALYSIS_MS * 1.5) / Math.max(duration, 100)));
    }
    const duration = recorded.finishedAt - recorded.startedAt;
    assert.ok(duration > LONG_ANALYSIS_MS, `the analysis ran ${duration} ms: the test needs one longer than 3 s`);
    const trail = recorded.updates.map((u) => `${u.at - recorded.startedAt}ms ${u.fraction.toFixed(3)} ${u.stage}`).join('\n  ');
    const times = [recorded.startedAt, ...recorded.updates.map((u) => u.at), recorded.finishedAt];
    const gaps = times.slice(1).map((time, index) => time - times[index]!);
    assert.ok(Math.max(...gaps) <= MAX_GAP_MS, `a ${Math.max(...gaps)} ms gap without progress (analysis ${duration} ms):\n  ${trail}`);
    const values = recorded.updates.map((u) => u.fraction);
    for (let i = 1; i < values.length; i++) assert.ok(values[i]! > values[i - 1]!, `progress rises at every update:\n  ${trail}`);
    assert.ok(values.length >= Math.floor(duration / MAX_GAP_MS) + 1, `several distinct values:\n  ${trail}`);
    assert.ok(values.at(-1)! > 0.95 && values.at(-1)! <= 1, `ends near 1:\n  ${trail}`);
    for (const { stage } of recorded.updates) assert.match(stage, /^analyzing \((frame index|scene cuts)\) \d{1,3}%$/);
    assert.ok(recorded.updates.some((u) => u.stage.startsWith('analyzing (scene cuts)') && u.fraction > 0.1 && u.fraction < 0.9), `the scene scan reports while it runs:\n  ${trail}`);
  });
});
