import { strict as assert } from 'node:assert';
import { planSegments, preferredSegmentFrames, type PlannedSegment } from '../../plugin/pipelines/interpolate/segment-plan.js';
import { decodeWindow, leadingContext } from '../../plugin/pipelines/interpolate/engines/window.js';
import { framePosition } from '../../plugin/pipelines/interpolate/engines/model/timing.js';
import { planMux } from '../../plugin/pipelines/interpolate/mux-plan.js';
import { concatList } from '../../plugin/pipelines/interpolate/join.js';
import { fitConstantRate, parsePacketLine } from '../../plugin/pipelines/interpolate/analysis/frame-index.js';
import { showinfoTime } from '../../plugin/pipelines/interpolate/analysis/scene-cuts.js';
import { contextBefore, progressFrame } from '../../plugin/pipelines/interpolate/engines/filter-engine.js';
import { planarToRgb, rgbToPlanar, tensorGeometry } from '../../plugin/pipelines/interpolate/engines/model/frame-tensor.js';

function assertCovers(segments: PlannedSegment[], frameCount: number, outputFrames: number): void {
  assert.equal(segments[0].start, 0);
  assert.equal(segments[segments.length - 1].end, frameCount);
  for (let i = 1; i < segments.length; i++) {
    assert.equal(segments[i].start, segments[i - 1].end);
    assert.equal(segments[i].outStart, segments[i - 1].outStart + segments[i - 1].outCount);
  }
  assert.equal(segments.reduce((n, s) => n + s.outCount, 0), outputFrames);
}

describe('interpolate: segment planning', () => {
  it('cuts at every scene cut and never lets a segment span one', () => {
    const segments = planSegments({ frameCount: 300, ratio: { num: 2, den: 1 }, keyframes: [0, 60, 120, 180, 240], cuts: [97, 200], segmentFrames: 75, minSegmentFrames: 30 });
    assertCovers(segments, 300, 600);
    for (const cut of [97, 200]) assert.ok(segments.some((s) => s.start === cut), `no segment starts at ${cut}`);
    for (const s of segments) assert.ok(s.start >= s.shotStart && s.end <= s.shotEnd);
  });

  it('prefers keyframes near the ideal split', () => {
    const segments = planSegments({ frameCount: 300, ratio: { num: 2, den: 1 }, keyframes: [0, 70, 140, 230], cuts: [], segmentFrames: 75, minSegmentFrames: 30 });
    assert.deepEqual(segments.map((s) => s.start), [0, 70, 140, 230]);
  });

  it('cuts equal pieces, ignoring keyframes, when asked for no keyframe slack', () => {
    const input = { frameCount: 300, ratio: { num: 2, den: 1 }, keyframes: [0, 60, 120, 180, 240], cuts: [], segmentFrames: 38, minSegmentFrames: 30 };
    const lengths = (slack?: number) => planSegments({ ...input, keyframeSlack: slack }).map((s) => s.end - s.start);
    assert.deepEqual(lengths(0), [38, 37, 38, 37, 38, 37, 38, 37]);
    assert.ok(Math.max(...lengths()) - Math.min(...lengths()) > 1, 'the default slack moves boundaries to keyframes');
    // A 2.5x grid lines up every other frame: boundaries stay on aligned frames even without slack.
    const aligned = planSegments({ ...input, ratio: { num: 5, den: 2 }, keyframeSlack: 0 });
    assert.ok(aligned.every((s) => s.start % 2 === 0), aligned.map((s) => s.start).join(' '));
  });

  it('keeps a shot shorter than the minimum whole', () => {
    const segments = planSegments({ frameCount: 100, ratio: { num: 2, den: 1 }, keyframes: [0], cuts: [50, 55], segmentFrames: 30, minSegmentFrames: 20 });
    assertCovers(segments, 100, 200);
    assert.ok(segments.some((s) => s.start === 50 && s.end === 55));
  });

  it('starts segments where the output grid lines up for 2.5x, and rounds the tail up', () => {
    const ratio = { num: 5, den: 2 };
    const segments = planSegments({ frameCount: 53, ratio, keyframes: [0], cuts: [], segmentFrames: 13, minSegmentFrames: 6 });
    assertCovers(segments, 53, 133);
    for (const s of segments) assert.equal((s.start * 5) % 2, 0, `segment at ${s.start} is off the grid`);
  });

  it('makes at least two segments per lane for short clips, within bounds', () => {
    assert.deepEqual(preferredSegmentFrames(120, 60, 2, { segmentSeconds: 10, minSegmentSeconds: 0.5 }), { segmentFrames: 30, minSegmentFrames: 30 });
    assert.equal(preferredSegmentFrames(36_000, 60, 2, { segmentSeconds: 10, minSegmentSeconds: 0.5 }).segmentFrames, 600);
  });

  it('takes context from the same shot only, cloning across cuts and file edges', () => {
    const segment: PlannedSegment = { index: 1, start: 60, end: 90, shotStart: 59, shotEnd: 90, outStart: 120, outCount: 60 };
    const window = decodeWindow(segment, { before: 2, after: 2 }, { num: 2, den: 1 });
    assert.deepEqual(window, { firstFrame: 59, frameCount: 31, realAfter: 0, cloneBefore: 1, cloneAfter: 2, skipOutput: 4 });
    assert.equal(leadingContext(2, { num: 12, den: 5 }), 5);
    assert.equal(leadingContext(2, { num: 1001, den: 400 }), 2);
    // Whole multiples start cold: no frame of motion search is spent on context before.
    assert.equal(contextBefore({ num: 2, den: 1 }), 0);
    assert.equal(contextBefore({ num: 5, den: 2 }), 2);
  });

  it('places model time steps exactly (2.5x: 0, .4, .8, .2, .6)', () => {
    const segment: PlannedSegment = { index: 0, start: 0, end: 4, shotStart: 0, shotEnd: 4, outStart: 0, outCount: 10 };
    const steps = Array.from({ length: 5 }, (_, k) => framePosition(segment, { num: 5, den: 2 }, k));
    assert.deepEqual(steps, [
      { frame: 0, t: 0 },
      { frame: 0, t: 0.4 },
      { frame: 0, t: 0.8 },
      { frame: 1, t: 0.2 },
      { frame: 1, t: 0.6 },
    ]);
  });
});

describe('interpolate: muxing and parsing helpers', () => {
  it('keeps MP4 for AAC and text subtitles (as mov_text), re-encodes Vorbis', () => {
    const plan = planMux({ audio: [{ index: 1, codec: 'aac' }, { index: 2, codec: 'vorbis' }], subtitles: [{ index: 3, codec: 'subrip' }] });
    assert.equal(plan.container, 'mp4');
    assert.deepEqual(plan.audioCodecs, ['aac', 'aac']);
    assert.deepEqual(plan.streamArgs, ['-map', '1:1', '-c:a:0', 'copy', '-map', '1:2', '-c:a:1', 'aac', '-b:a:1', '192k', '-map', '1:3', '-c:s', 'mov_text']);
  });

  it('switches to Matroska for picture subtitles', () => {
    const plan = planMux({ audio: [{ index: 1, codec: 'opus' }], subtitles: [{ index: 2, codec: 'hdmv_pgs_subtitle' }] });
    assert.equal(plan.container, 'matroska');
    assert.equal(plan.mime, 'video/x-matroska');
  });

  it('states concat durations that add up exactly', () => {
    const list = concatList([{ path: "/a/it's.mp4", frames: 40 }, { path: '/b.mp4', frames: 40 }, { path: '/c.mp4', frames: 40 }], { num: 60000, den: 1001 });
    assert.match(list, /file '\/a\/it'\\''s\.mp4'/);
    const durations = [...list.matchAll(/duration ([\d.]+)/g)].map((m) => Math.round(Number(m[1]) * 1e6));
    assert.equal(durations.reduce((a, b) => a + b, 0), 2_002_000);
  });

  it('parses packets, showinfo and progress lines', () => {
    assert.deepEqual(parsePacketLine('packet|pts_time=0.016667|dts_time=0.000000|flags=K_'), { time: 0.016667, key: true });
    assert.deepEqual(parsePacketLine('packet|pts_time=N/A|dts_time=0.5|flags=__'), { time: 0.5, key: false });
    assert.equal(parsePacketLine('stream|index=0'), null);
    assert.equal(parsePacketLine('packet|pts_time=-0.033|dts_time=-0.05|flags=_D'), null); // pre-roll the decoder drops
    assert.equal(showinfoTime('[Parsed_showinfo_2 @ 0x1] n:   0 pts:  15360 pts_time:1       pos: 1 fmt:rgb24'), 1);
    assert.equal(showinfoTime('frame=  10 fps=0.0'), null);
    assert.equal(progressFrame('frame=42'), 42);
  });

  it('tells constant from variable frame rates by timestamps', () => {
    const cfr = Array.from({ length: 100 }, (_, i) => Math.round((i * 1001) / 24) / 1000); // ms-rounded like Matroska
    assert.deepEqual(fitConstantRate(cfr, [{ num: 24000, den: 1001 }]), { num: 24000, den: 1001 });
    const vfr = [0, 0.0167, 0.0333, 0.1, 0.1167];
    assert.equal(fitConstantRate(vfr, [{ num: 60, den: 1 }]), null);
  });
});

describe('interpolate: frame tensors', () => {
  it('round-trips RGB through planar floats, with and without padding', () => {
    const rgb = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) % 256);
    for (const pad of [1, 4]) {
      const g = tensorGeometry(5, 3, pad, 'unit');
      const planar = rgbToPlanar(rgb, g);
      assert.equal(planar.length, 3 * g.paddedWidth * g.paddedHeight);
      assert.ok(Math.abs(planar[0] - rgb[0] / 255) < 1e-6);
      assert.ok(Math.abs(planar[g.paddedWidth * g.paddedHeight] - rgb[1] / 255) < 1e-6); // green plane
      assert.deepEqual([...planarToRgb(planar, g)], [...rgb]);
    }
  });
});
