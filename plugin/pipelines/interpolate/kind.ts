// The interpolate workflow kind as the job core sees it.
import type { KindDefinition } from '../../core/types.js';
import { interpolateOptionsSchema, type InterpolateOptionsInput } from './options.js';
import { interpolateParamsSchema, type InterpolateParams } from './params.js';
import { createInterpolateValidator } from './validate.js';
import { createInterpolateExecutor } from './executor.js';

export function createInterpolateKind(options: InterpolateOptionsInput = {}): KindDefinition<InterpolateParams> {
  const resolved = interpolateOptionsSchema.parse(options);
  return {
    kind: 'interpolate',
    description: 'Raise a video frame rate (for example 60 -> 120 fps) with ffmpeg motion interpolation, frame blending or an ONNX frame-pair model.',
    paramsSchema: interpolateParamsSchema,
    inputs: { min: 1, max: 1, kinds: ['video'] },
    validate: createInterpolateValidator(resolved),
    executor: createInterpolateExecutor(resolved),
  };
}
