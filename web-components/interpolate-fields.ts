// The interpolate form's own fields: once a video is uploaded, the target frame rate is a select
// of what GET /artifacts/:id/interpolate-options allows for it (2x preselected); the mode select
// offers only the modes this server runs (GET /kinds: `model` needs a configured model). Pure.
import type { InterpolateChoices } from '../contract/interpolate.js';
import type { KindInfo } from '../contract/kinds.js';
import type { FieldSpec } from './param-fields.js';

/** "120 fps (2x)", "59.94 fps". */
export function targetLabel(targetFps: number, sourceFps: number | null): string {
  const ratio = sourceFps ? targetFps / sourceFps : 0;
  const multiple = Math.round(ratio);
  return multiple >= 2 && Math.abs(ratio - multiple) < 1e-3 ? `${targetFps} fps (${multiple}x)` : `${targetFps} fps`;
}

export function interpolateFields(params: FieldSpec[], kind: KindInfo | null, choices: InterpolateChoices | null): FieldSpec[] {
  return params.map((field) => {
    if (field.name === 'targetFps') return targetField(field, choices);
    if (field.name === 'mode') return modeField(field, kind, choices);
    return field;
  });
}

function targetField(field: FieldSpec, choices: InterpolateChoices | null): FieldSpec {
  const { min: _min, max: _max, above: _above, below: _below, step: _step, integer: _integer, ...rest } = field;
  if (!choices) {
    return { ...rest, control: 'select', required: true, options: [], default: undefined, placeholder: 'Choose a video first', help: 'The rates allowed depend on the video: choose one above.' };
  }
  return {
    ...rest,
    control: 'select',
    required: true,
    options: choices.targetFps.map((value) => ({ value, label: targetLabel(value, choices.sourceFps) })),
    default: choices.defaultTargetFps ?? undefined,
    placeholder: choices.targetFps.length ? undefined : 'No rate is allowed for this video',
    help: choices.targetFps.length
      ? `Allowed for this ${choices.sourceFps} fps video: above its rate, an integer multiple or a standard rate, at most 8x.`
      : (choices.reason ?? 'This video allows no target rate.'),
  };
}

function modeField(field: FieldSpec, kind: KindInfo | null, choices: InterpolateChoices | null): FieldSpec {
  const runnable = kind?.modes ? new Set(kind.modes.filter((m) => m.available).map((m) => m.mode)) : null;
  const forVideo = choices ? new Map(choices.modes.map((m) => [m.mode, m])) : null;
  const options = (field.options ?? []).filter((option) => {
    const mode = String(option.value);
    if (runnable && !runnable.has(mode as 'fast')) return false;
    return forVideo ? forVideo.get(mode as 'fast')?.available !== false : true;
  });
  const model = forVideo?.get('model');
  const help = [field.help, model?.available && model.reason ? `Model: ${model.reason}` : ''].filter(Boolean).join(' ');
  return { ...field, options, help: help || undefined };
}
