// Picks the engine for a job's mode.
import { MediaLabError } from '../../../core/errors.js';
import type { InterpolateOptions } from '../options.js';
import type { InterpolateMode } from '../params.js';
import { filterEngine } from './filter-engine.js';
import { modelEngine } from './model/model-engine.js';
import { loadOnnxInterpolator } from './model/onnx-interpolator.js';
import type { InterpolationEngine } from './types.js';

export async function createEngine(mode: InterpolateMode, options: InterpolateOptions, frameSize: { width: number; height: number }): Promise<InterpolationEngine> {
  if (mode !== 'model') return filterEngine(mode);
  if (!options.model) {
    throw new MediaLabError('MODEL_UNAVAILABLE', 'Mode "model" needs a frame-interpolation ONNX model, and none is configured on this server. Use mode "quality" or "fast".');
  }
  return modelEngine(await loadOnnxInterpolator(options.model, frameSize));
}

export type { InterpolationEngine, SegmentRenderJob } from './types.js';
export { interpolationFilter } from './filter-engine.js';
