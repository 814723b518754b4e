// Submit-time checks: cheap, from the input artifact's row only. Anything wrong becomes one
// ValidationError (HTTP 422) naming every offending field.
import { existsSync } from 'node:fs';
import type { Artifact, SubmitValidator } from '../../core/types.js';
import { ValidationError, type FieldIssue } from '../../core/errors.js';
import type { InterpolateOptions } from './options.js';
import type { InterpolateParams } from './params.js';
import { allowedTargetFps, frameRatio, resolveTargetRate, roundFps, rateToNumber, type Rational } from './rates.js';
import { videoFactsOf } from './source-rate.js';

export const VFR_MESSAGE =
  'The video has a variable frame rate, which frame-exact interpolation does not support. ' +
  'Convert it to a constant rate first (for example `ffmpeg -i in.mp4 -vf fps=60 out.mp4`) and upload that.';

/** The targets an uploaded video allows (for pickers); empty when its rate is unknown or variable. */
export function allowedTargetFpsFor(artifact: Artifact): number[] {
  const facts = videoFactsOf(artifact);
  return facts.rate && !facts.variableFrameRate ? allowedTargetFps(facts.rate) : [];
}

/** The message for a rejected target, listing what this input allows. */
export function targetFpsMessage(targetFps: number, source: Rational): string {
  const sourceFps = roundFps(rateToNumber(source));
  return (
    `${targetFps} fps is not allowed for this ${sourceFps} fps video. A target must be above the source rate and ` +
    `either an integer multiple of it or a standard rate, at most 8x the source. ` +
    `Allowed for this input: ${allowedTargetFps(source).join(', ')}.`
  );
}

/** Problems with mode 'model' under this server's configuration (empty when fine). */
export function modelModeIssues(options: InterpolateOptions, source: Rational | null, target: Rational | null): string[] {
  const model = options.model;
  if (!model) {
    return [
      'Mode "model" needs a frame-interpolation ONNX model, and none is configured on this server. ' +
        'Use mode "quality" or "fast", or ask an admin to set the interpolate model file.',
    ];
  }
  if (!existsSync(model.file)) {
    return [`The configured interpolation model file is missing (${model.file}). Use mode "quality" or "fast", or fix the server configuration.`];
  }
  if (model.inputNames.timestep === null && source && target) {
    const ratio = frameRatio(source, target);
    if (!(ratio.num === 2 && ratio.den === 1)) {
      return ['The configured model has no time-step input and can only double the frame rate; choose a target of exactly 2x the source.'];
    }
  }
  return [];
}

export function interpolateIssues(options: InterpolateOptions, params: InterpolateParams, inputs: Artifact[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const input = inputs[0];
  if (!input || input.kind !== 'video') {
    issues.push({ field: 'inputs[0]', message: 'Interpolation needs exactly one video artifact as input.' });
    return issues;
  }
  const facts = videoFactsOf(input);
  if (facts.variableFrameRate) issues.push({ field: 'inputs[0]', message: VFR_MESSAGE });
  if (!facts.rate) {
    issues.push({ field: 'inputs[0]', message: 'The input video has no known frame rate; the file may be damaged or not a video.' });
  }
  const target = facts.rate ? resolveTargetRate(facts.rate, params.targetFps) : null;
  if (facts.rate && !target) issues.push({ field: 'params.targetFps', message: targetFpsMessage(params.targetFps, facts.rate) });
  if (params.mode === 'model') {
    for (const message of modelModeIssues(options, facts.rate, target)) issues.push({ field: 'params.mode', message });
  }
  return issues;
}

export function createInterpolateValidator(options: InterpolateOptions): SubmitValidator<InterpolateParams> {
  return (params, inputs) => {
    const issues = interpolateIssues(options, params, inputs);
    if (issues.length) throw new ValidationError(issues);
  };
}
