// Public surface of the interpolate pipeline (wired in by the plugin's pipeline installer).
export { createInterpolateKind, isInterpolateKind, type InterpolateKind } from './kind.js';
export { describeModes, interpolateChoices } from './choices.js';
export { interpolateOptionsSchema, type InterpolateOptions, type InterpolateOptionsInput, type ModelOptions, type EncoderOptions } from './options.js';
export { interpolateParamsSchema, INTERPOLATE_MODES, type InterpolateMode, type InterpolateParams } from './params.js';
export {
  allowedTargetFps,
  allowedTargetRates,
  isAllowedTargetFps,
  resolveTargetRate,
  STANDARD_TARGET_FPS,
  MAX_TARGET_MULTIPLE,
  type Rational,
} from './rates.js';
export { allowedTargetFpsFor, interpolateIssues, createInterpolateValidator } from './validate.js';
export { createInterpolateExecutor } from './executor.js';
export { interpolationFilter } from './engines/index.js';
export { liveProcessCount } from './ffmpeg/process.js';
