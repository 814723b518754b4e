// GET /artifacts/:id/interpolate-options: what an interpolate job may ask of one uploaded video,
// answered from the probe the upload recorded. The server computes it with the same rate rules
// as the submit-time check (plugin/pipelines/interpolate/rates.ts, validate.ts), so every
// target listed here is accepted and every other one is refused.
import { z } from 'zod';

export const INTERPOLATE_MODE_NAMES = ['fast', 'quality', 'model'] as const;

/** Whether this server can run a mode at all (GET /kinds lists these for interpolate). */
export const interpolateModeStatusSchema = z.strictObject({
  mode: z.enum(INTERPOLATE_MODE_NAMES),
  /** False when this server cannot run the mode (no model configured, its file missing). */
  available: z.boolean(),
  /** Why not, for people (present when unavailable, or when only some targets work). */
  reason: z.string().optional(),
});
export type InterpolateModeStatus = z.infer<typeof interpolateModeStatusSchema>;

export const interpolateModeChoiceSchema = interpolateModeStatusSchema.extend({
  /** The targets this mode accepts for this video (a model without a time input: only 2x). */
  targetFps: z.array(z.number()),
});
export type InterpolateModeChoice = z.infer<typeof interpolateModeChoiceSchema>;

export const interpolateChoicesSchema = z.strictObject({
  artifactId: z.string(),
  /** The source rate, rounded for display (59.94), and exactly (`60000/1001`); null when unknown. */
  sourceFps: z.number().nullable(),
  sourceRate: z.string().nullable(),
  /** Every target the video allows, ascending; empty when it allows none (see `reason`). */
  targetFps: z.array(z.number()),
  /** What a form preselects: twice the source rate (null when nothing is allowed). */
  defaultTargetFps: z.number().nullable(),
  /** Why no target is allowed (a variable frame rate, an unknown rate); null otherwise. */
  reason: z.string().nullable(),
  modes: z.array(interpolateModeChoiceSchema),
});
export type InterpolateChoices = z.infer<typeof interpolateChoicesSchema>;
