// What every interpolation engine implements: render one planned segment into a video file.
import type { EncoderOptions } from '../options.js';
import type { InterpolateMode } from '../params.js';
import type { Rational } from '../rates.js';
import type { PlannedSegment } from '../segment-plan.js';
import type { SourceTiming } from './window.js';

export interface SourceFrames extends SourceTiming {
  width: number;
  height: number;
}

export interface SegmentRenderJob {
  inputPath: string;
  source: SourceFrames;
  target: Rational;
  /** target / source, reduced. */
  ratio: Rational;
  segment: PlannedSegment;
  encoder: EncoderOptions;
  /** Where to write the segment (an .mp4 with exactly segment.outCount frames). */
  outputPath: string;
  signal: AbortSignal;
  /** Output frames encoded so far in this segment. */
  onFrames(done: number): void;
}

export interface InterpolationEngine {
  readonly mode: InterpolateMode;
  /** What produced the frames, for the output's metadata (a filter or a model). */
  readonly description: string;
  render(job: SegmentRenderJob): Promise<void>;
  /** Frees what the engine holds (a model session). */
  close(): Promise<void>;
}
