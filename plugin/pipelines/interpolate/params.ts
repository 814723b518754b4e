// Per-job parameters of the interpolate kind.
import { z } from 'zod';
import { MAX_TARGET_MULTIPLE } from './rates.js';

export const INTERPOLATE_MODES = ['fast', 'quality', 'model'] as const;
export type InterpolateMode = (typeof INTERPOLATE_MODES)[number];

/** The highest target any source can reach (8x a 120 fps source); the per-input rule is tighter. */
export const MAX_TARGET_FPS = 120 * MAX_TARGET_MULTIPLE;

export const interpolateParamsSchema = z.object({
  targetFps: z.number().positive().max(MAX_TARGET_FPS),
  mode: z.enum(INTERPOLATE_MODES).default('quality'),
});

export type InterpolateParams = z.output<typeof interpolateParamsSchema>;
