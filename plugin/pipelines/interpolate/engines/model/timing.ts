// Where each output frame of a segment sits between the source frames (exact integer math).
import type { Rational } from '../../rates.js';
import type { PlannedSegment } from '../../segment-plan.js';

export interface FramePosition {
  /** Source frame before (or at) the output instant, counted from the segment start. */
  frame: number;
  /** Fraction of the way to the next source frame, in [0, 1). */
  t: number;
}

/**
 * Output frame k of a segment is global output frame outStart + k, at source position
 * (outStart + k) / ratio. Positions before the segment's first frame (possible when the grid
 * does not line up at its start) clamp to that frame.
 */
export function framePosition(segment: PlannedSegment, ratio: Rational, k: number): FramePosition {
  const numerator = (segment.outStart + k) * ratio.den - segment.start * ratio.num;
  if (numerator <= 0) return { frame: 0, t: 0 };
  return { frame: Math.floor(numerator / ratio.num), t: (numerator % ratio.num) / ratio.num };
}
