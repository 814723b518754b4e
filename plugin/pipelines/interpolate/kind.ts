// The interpolate workflow kind as the job core sees it.
import type { InterpolateChoices, InterpolateModeStatus } from '../../../contract/interpolate.js';
import type { Artifact, KindDefinition } from '../../core/types.js';
import { interpolateOptionsSchema, type InterpolateOptionsInput } from './options.js';
import { interpolateParamsSchema, type InterpolateParams } from './params.js';
import { createInterpolateValidator } from './validate.js';
import { createInterpolateExecutor } from './executor.js';
import { describeModes, interpolateChoices } from './choices.js';
import { interpolateStaleness } from './model-identity.js';

export interface InterpolateKind extends KindDefinition<InterpolateParams> {
  /** Which modes this server runs, and why not (GET /kinds). */
  describeModes(): InterpolateModeStatus[];
  /** The targets and modes one uploaded video allows (GET /artifacts/:id/interpolate-options). */
  choicesFor(artifact: Artifact): InterpolateChoices;
}

export function isInterpolateKind(kind: KindDefinition): kind is KindDefinition & InterpolateKind {
  return kind.kind === 'interpolate' && 'choicesFor' in kind && typeof kind.choicesFor === 'function';
}

export function createInterpolateKind(options: InterpolateOptionsInput = {}): InterpolateKind {
  const resolved = interpolateOptionsSchema.parse(options);
  return {
    describeModes: () => describeModes(resolved),
    choicesFor: (artifact) => interpolateChoices(resolved, artifact),
    kind: 'interpolate',
    description: 'Raise a video frame rate (for example 60 -> 120 fps) with ffmpeg motion interpolation, frame blending or an ONNX frame-pair model.',
    paramsSchema: interpolateParamsSchema,
    inputs: { min: 1, max: 1, kinds: ['video'] },
    validate: createInterpolateValidator(resolved),
    executor: createInterpolateExecutor(resolved),
    staleness: (steps) => interpolateStaleness(resolved, steps),
  };
}
