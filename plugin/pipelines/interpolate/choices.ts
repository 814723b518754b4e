// What an interpolate job may ask of one uploaded video (GET /artifacts/:id/interpolate-options)
// and which modes this server runs (GET /kinds). Built from the submit-time check's own rules
// (rates.ts, validate.ts): every target listed passes the validator, every other one fails it.
import type { InterpolateChoices, InterpolateModeChoice, InterpolateModeStatus } from '../../../contract/interpolate.js';
import type { Artifact } from '../../core/types.js';
import { ValidationError } from '../../core/errors.js';
import type { InterpolateOptions } from './options.js';
import { INTERPOLATE_MODES } from './params.js';
import { allowedTargetRates, formatRate, rateToNumber, reduce, roundFps, type Rational } from './rates.js';
import { VFR_MESSAGE, modelModeIssues } from './validate.js';
import { videoFactsOf } from './source-rate.js';

/** Which modes this server can run, whatever the video (`model` needs a usable model file). */
export function describeModes(options: InterpolateOptions): InterpolateModeStatus[] {
  return INTERPOLATE_MODES.map((mode) => {
    if (mode !== 'model') return { mode, available: true };
    const issues = modelModeIssues(options, null, null);
    return issues.length ? { mode, available: false, reason: issues[0] } : { mode, available: true };
  });
}

/** The targets and modes one video allows. Throws a ValidationError (422, field `id`) for a non-video. */
export function interpolateChoices(options: InterpolateOptions, artifact: Artifact): InterpolateChoices {
  if (artifact.kind !== 'video') {
    throw new ValidationError([{ field: 'id', message: `Artifact ${artifact.id} is ${artifact.kind === 'image' ? 'an image' : artifact.kind}; interpolation takes a video.` }]);
  }
  const facts = videoFactsOf(artifact);
  const source = facts.rate;
  const reason = facts.variableFrameRate ? VFR_MESSAGE : !source ? 'The video has no known frame rate; the file may be damaged or not a video.' : null;
  const rates = source && !reason ? allowedTargetRates(source) : [];
  const targetFps = rates.map(display);
  const double = source && !reason ? display(reduce({ num: source.num * 2, den: source.den })) : null;
  const modes = describeModes(options).map((status): InterpolateModeChoice => {
    if (!status.available || status.mode !== 'model' || !source) return { ...status, targetFps: status.available ? targetFps : [] };
    const accepted = rates.filter((target) => modelModeIssues(options, source, target).length === 0);
    const refused = rates.find((target) => modelModeIssues(options, source, target).length > 0);
    return {
      ...status,
      available: accepted.length > 0,
      targetFps: accepted.map(display),
      ...(refused ? { reason: modelModeIssues(options, source, refused)[0] } : {}),
    };
  });
  return {
    artifactId: artifact.id,
    sourceFps: source ? display(source) : null,
    sourceRate: source ? formatRate(source) : null,
    targetFps,
    defaultTargetFps: double,
    reason,
    modes,
  };
}

function display(rate: Rational): number {
  return roundFps(rateToNumber(rate));
}
