// Splits the source into segments that can be interpolated independently: always at scene
// cuts (so no frame is morphed across two shots), otherwise near the preferred length,
// preferring keyframes (cheap seeks) and frames where the output grid lines up exactly.
import { outputFrameBoundary, type Rational } from './rates.js';

export interface PlannedSegment {
  index: number;
  /** Source frames [start, end). */
  start: number;
  end: number;
  /** The shot this segment belongs to: source frames [shotStart, shotEnd). */
  shotStart: number;
  shotEnd: number;
  /** Output frames [outStart, outStart + outCount). */
  outStart: number;
  outCount: number;
}

export interface PlanInput {
  frameCount: number;
  /** target / source, reduced. */
  ratio: Rational;
  keyframes: number[];
  /** Frames that start a new shot. */
  cuts: number[];
  segmentFrames: number;
  minSegmentFrames: number;
  /**
   * How far (as a fraction of segmentFrames) a boundary may move to land on a keyframe; default
   * 0.25. Engines whose cost is all in the filter want 0: equal pieces balance the lanes, and
   * seeking to a frame between keyframes costs only some decoding.
   */
  keyframeSlack?: number;
}

/**
 * Segment length that gives every lane slot work `piecesPerLane` times over, within the
 * configured bounds. CPU-heavy engines want more, smaller pieces: their cost varies with the
 * motion in each piece, and small pieces keep every lane busy until the end.
 */
export function preferredSegmentFrames(
  frameCount: number,
  fps: number,
  lanes: number,
  bounds: { segmentSeconds: number; minSegmentSeconds: number },
  piecesPerLane = 2,
): { segmentFrames: number; minSegmentFrames: number } {
  const maxFrames = Math.max(1, Math.round(bounds.segmentSeconds * fps));
  const minSegmentFrames = Math.max(1, Math.min(maxFrames, Math.round(bounds.minSegmentSeconds * fps)));
  const balanced = Math.ceil(frameCount / (piecesPerLane * Math.max(1, lanes)));
  return { segmentFrames: Math.min(maxFrames, Math.max(minSegmentFrames, balanced)), minSegmentFrames };
}

/** A boundary is exact when the output grid has a frame at the same instant. */
function isAligned(frame: number, ratio: Rational): boolean {
  return (frame * ratio.num) % ratio.den === 0;
}

function chooseBoundary(ideal: number, low: number, high: number, tolerance: number, keyframes: number[], ratio: Rational): number | null {
  if (high < low) return null;
  const within = (f: number) => f >= low && f <= high && Math.abs(f - ideal) <= tolerance;
  let best: number | null = null;
  for (const k of keyframes) {
    if (within(k) && isAligned(k, ratio) && (best === null || Math.abs(k - ideal) < Math.abs(best - ideal))) best = k;
  }
  if (best !== null) return best;
  // Nearest aligned frame (a short grid period is searched even without slack); when the grid
  // lines up rarely (23.976 -> 60), any frame will do.
  const step = ratio.den;
  const alignTolerance = step <= 8 ? Math.max(tolerance, step - 1) : tolerance;
  if (step - 1 <= alignTolerance) {
    const below = Math.floor(ideal / step) * step;
    const near = (f: number) => f >= low && f <= high && Math.abs(f - ideal) <= alignTolerance;
    for (const f of [below, below + step].sort((a, b) => Math.abs(a - ideal) - Math.abs(b - ideal))) if (near(f)) return f;
  }
  return Math.min(high, Math.max(low, ideal));
}

function splitShot(shotStart: number, shotEnd: number, input: PlanInput): number[] {
  const length = shotEnd - shotStart;
  const maxPieces = Math.max(1, Math.floor(length / input.minSegmentFrames));
  const pieces = Math.min(maxPieces, Math.max(1, Math.round(length / input.segmentFrames)));
  const tolerance = Math.floor(input.segmentFrames * (input.keyframeSlack ?? 0.25));
  const bounds = [shotStart];
  for (let i = 1; i < pieces; i++) {
    const ideal = shotStart + Math.round((length * i) / pieces);
    const low = bounds[bounds.length - 1] + input.minSegmentFrames;
    const high = shotEnd - input.minSegmentFrames;
    const chosen = chooseBoundary(ideal, low, high, tolerance, input.keyframes, input.ratio);
    if (chosen !== null) bounds.push(chosen);
  }
  return bounds;
}

export function planSegments(input: PlanInput): PlannedSegment[] {
  const { frameCount, ratio } = input;
  const cuts = [...new Set(input.cuts)].filter((c) => c > 0 && c < frameCount).sort((a, b) => a - b);
  const shotEdges = [0, ...cuts, frameCount];
  const segments: PlannedSegment[] = [];
  for (let s = 0; s + 1 < shotEdges.length; s++) {
    const shotStart = shotEdges[s];
    const shotEnd = shotEdges[s + 1];
    const starts = splitShot(shotStart, shotEnd, input);
    starts.forEach((start, i) => {
      const end = i + 1 < starts.length ? starts[i + 1] : shotEnd;
      const outStart = outputFrameBoundary(start, ratio);
      segments.push({
        index: segments.length,
        start,
        end,
        shotStart,
        shotEnd,
        outStart,
        outCount: outputFrameBoundary(end, ratio) - outStart,
      });
    });
  }
  return segments;
}
