// Per-job parameters of the interpolate kind.
import { z } from 'zod';
import { INTERPOLATE_MODE_NAMES } from '../../../contract/interpolate.js';
import { MAX_TARGET_MULTIPLE } from './rates.js';

/** The modes (their names are part of the wire contract). */
export const INTERPOLATE_MODES = INTERPOLATE_MODE_NAMES;
export type InterpolateMode = (typeof INTERPOLATE_MODES)[number];

/** The highest target any source can reach (8x a 120 fps source); the per-input rule is tighter. */
export const MAX_TARGET_FPS = 120 * MAX_TARGET_MULTIPLE;

export const interpolateParamsSchema = z.object({
  targetFps: z.number().positive().max(MAX_TARGET_FPS),
  mode: z.enum(INTERPOLATE_MODES).default('quality'),
});

export type InterpolateParams = z.output<typeof interpolateParamsSchema>;
