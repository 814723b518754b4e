// The source frame rate as recorded on an uploaded video artifact (no file access).
import type { Artifact, JsonObject, JsonValue } from '../../core/types.js';
import { parseRate, rateFromFps, rateToNumber, type Rational } from './rates.js';

export interface ArtifactVideoFacts {
  rate: Rational | null;
  variableFrameRate: boolean;
  frameCount: number | null;
}

function asObject(value: JsonValue | undefined): JsonObject | null {
  return value && typeof value === 'object' && !Array.isArray(value) ? value : null;
}

/** Reads metadata.video (filled by the upload route from ffprobe) and artifact.fps. */
export function videoFactsOf(artifact: Artifact): ArtifactVideoFacts {
  const video = asObject(artifact.metadata?.video);
  const fraction = typeof video?.rateFraction === 'string' ? parseRate(video.rateFraction) : null;
  const average = artifact.fps && artifact.fps > 0 ? artifact.fps : null;
  let rate: Rational | null = fraction;
  // The nominal fraction is exact, but trust it only when it agrees with the measured average.
  if (fraction && average && Math.abs(rateToNumber(fraction) - average) / average > 0.01) rate = rateFromFps(average);
  if (!rate && average) rate = rateFromFps(average);
  return {
    rate,
    variableFrameRate: video?.variableFrameRate === true,
    frameCount: typeof video?.frameCount === 'number' ? video.frameCount : null,
  };
}
