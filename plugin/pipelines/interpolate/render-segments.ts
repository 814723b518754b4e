// Interpolates the segments an earlier attempt did not finish, up to the lane limit in
// parallel, recording each one in the checkpoint as soon as its file is complete.
import type { EncoderOptions } from './options.js';
import type { Rational } from './rates.js';
import type { InterpolateCheckpoint } from './checkpoint.js';
import type { InterpolationEngine } from './engines/index.js';
import type { SourceFrames } from './engines/types.js';
import { renderSegment } from './segment-files.js';
import { runLimited } from './pool.js';
import type { FrameProgress } from './progress.js';

export interface RenderRequest {
  engine: InterpolationEngine;
  state: InterpolateCheckpoint;
  segmentDir: string;
  inputPath: string;
  source: SourceFrames;
  target: Rational;
  ratio: Rational;
  encoder: EncoderOptions;
  lanes: number;
  progress: FrameProgress;
  signal: AbortSignal;
  /** Persists the checkpoint (calls are queued, so saves never overtake each other). */
  save(state: InterpolateCheckpoint): Promise<void>;
}

/** Answers the most segments rendered at once. */
export async function renderPendingSegments(request: RenderRequest): Promise<{ peakInFlight: number }> {
  const { state, progress } = request;
  const done = new Set(state.finished.map((f) => f.index));
  const pending = state.segments.filter((s) => !done.has(s.index));
  return runLimited(pending, request.lanes, request.signal, async (segment, signal) => {
    const finished = await renderSegment(request.engine, request.segmentDir, {
      inputPath: request.inputPath,
      source: request.source,
      target: request.target,
      ratio: request.ratio,
      segment,
      encoder: request.encoder,
      signal,
      onFrames: (frames) => progress.update(segment.index, frames),
    });
    state.finished = [...state.finished.filter((f) => f.index !== finished.index), finished].sort((a, b) => a.index - b.index);
    await request.save(state);
    progress.finish(segment.index, segment.outCount);
  });
}
