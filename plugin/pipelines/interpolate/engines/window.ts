// Which source frames a segment decodes: the segment itself plus a little context on each
// side so the interpolator sees the same neighbours it would in one long run. Context never
// crosses a scene cut or the file's ends; there the edge frame is repeated instead.
import { outputFrameBoundary, rateToNumber, type Rational } from '../rates.js';
import type { PlannedSegment } from '../segment-plan.js';

export interface ContextNeed {
  before: number;
  after: number;
}

export interface DecodeWindow {
  /** First source frame to decode. */
  firstFrame: number;
  /** Real frames to decode from firstFrame. */
  frameCount: number;
  /** Real frames decoded after the segment's last frame (0 at a cut or the end of file). */
  realAfter: number;
  /** Copies of the first / last real frame standing in for context across a cut or file edge. */
  cloneBefore: number;
  cloneAfter: number;
  /** Output frames made from the leading context, dropped before encoding. */
  skipOutput: number;
}

/**
 * Context frames before a segment, rounded up to a whole period of the output grid so the
 * dropped lead-in covers a whole number of output frames (2.5x needs 2, 2.4x needs 5).
 */
export function leadingContext(minimum: number, ratio: Rational): number {
  if (minimum === 0 || ratio.den > 8) return minimum;
  return Math.ceil(minimum / ratio.den) * ratio.den;
}

export function decodeWindow(segment: PlannedSegment, need: ContextNeed, ratio: Rational): DecodeWindow {
  const realBefore = Math.min(need.before, segment.start - segment.shotStart);
  const realAfter = Math.min(need.after, segment.shotEnd - segment.end);
  return {
    firstFrame: segment.start - realBefore,
    frameCount: realBefore + (segment.end - segment.start) + realAfter,
    realAfter,
    cloneBefore: need.before - realBefore,
    cloneAfter: need.after - realAfter,
    skipOutput: outputFrameBoundary(need.before, ratio),
  };
}

export interface SourceTiming {
  streamIndex: number;
  rate: Rational;
  /** Seconds from the file start to frame 0. */
  startOffset: number;
}

/** Input arguments that start decoding exactly at `firstFrame` (accurate seek to between two frames). */
export function seekInputArgs(inputPath: string, timing: SourceTiming, firstFrame: number): string[] {
  const args: string[] = [];
  if (firstFrame > 0) {
    const seconds = timing.startOffset + (firstFrame - 0.5) / rateToNumber(timing.rate);
    args.push('-ss', seconds.toFixed(6));
  }
  // ffmpeg turns rotated (phone) video upright while decoding, so the output needs no rotation tag.
  args.push('-i', inputPath, '-map', `0:${timing.streamIndex}`, '-an', '-sn', '-dn');
  return args;
}

/** Filters that cut the window out of the seeked stream and give it clean frame-numbered timestamps. */
export function windowFilters(window: DecodeWindow, rate: Rational, withClones: boolean): string[] {
  const filters = [`trim=end_frame=${window.frameCount}`];
  if (withClones && (window.cloneBefore > 0 || window.cloneAfter > 0)) {
    filters.push(`tpad=start=${window.cloneBefore}:stop=${window.cloneAfter}:start_mode=clone:stop_mode=clone`);
  }
  filters.push(timestampsFromFrameNumbers(rate));
  return filters;
}

export function timestampsFromFrameNumbers(rate: Rational): string {
  return `setpts=N*${rate.den}/(${rate.num}*TB)`;
}
