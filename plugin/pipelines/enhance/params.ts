// Per-job parameters of the enhance kind.
import { z } from 'zod';

export const QUALITY_PRESETS = ['fast', 'balanced', 'quality', 'max'] as const;
export type QualityPreset = (typeof QUALITY_PRESETS)[number];

export const MAX_OUTSCALE = 8;

export const enhanceParamsSchema = z.strictObject({
  qualityPreset: z.enum(QUALITY_PRESETS).default('balanced'),
  scale: z.union([z.literal(2), z.literal(3), z.literal(4)]).default(2),
  /** Exact final scale: the model runs at its nearest scale, then Lanczos resizes to this one. */
  outscale: z.number().gt(1).max(MAX_OUTSCALE).optional(),
});

export type EnhanceParams = z.infer<typeof enhanceParamsSchema>;

/** The scale the output must have, relative to the (orientation-corrected) input. */
export function targetScaleOf(params: EnhanceParams): number {
  return params.outscale ?? params.scale;
}
