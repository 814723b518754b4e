// What a later attempt needs to resume: the analysis, the segment plan, and which segment
// files are finished. A fingerprint of everything that shapes the output guards against
// reusing segments made from another input or with other settings.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { JsonObject } from '../../core/types.js';
import type { PlannedSegment } from './segment-plan.js';

export const CHECKPOINT_VERSION = 1;

const segmentSchema = z.object({
  index: z.number().int().min(0),
  start: z.number().int().min(0),
  end: z.number().int().min(1),
  shotStart: z.number().int().min(0),
  shotEnd: z.number().int().min(1),
  outStart: z.number().int().min(0),
  outCount: z.number().int().min(0),
});

const checkpointSchema = z.object({
  kind: z.literal('interpolate'),
  version: z.literal(CHECKPOINT_VERSION),
  fingerprint: z.string(),
  frameCount: z.number().int().min(1),
  sourceRate: z.string(),
  cuts: z.array(z.number().int()),
  segments: z.array(segmentSchema),
  finished: z.array(z.object({ index: z.number().int().min(0), file: z.string(), bytes: z.number().int().min(1) })),
});

export type InterpolateCheckpoint = z.output<typeof checkpointSchema>;
export type FinishedSegment = InterpolateCheckpoint['finished'][number];

export function fingerprintOf(parts: JsonObject): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** The saved state when it belongs to this exact work; null means start over. */
export function readCheckpoint(saved: JsonObject | null | undefined, fingerprint: string): InterpolateCheckpoint | null {
  const parsed = checkpointSchema.safeParse(saved ?? {});
  if (!parsed.success || parsed.data.fingerprint !== fingerprint) return null;
  return parsed.data;
}

export function newCheckpoint(fields: { fingerprint: string; frameCount: number; sourceRate: string; cuts: number[]; segments: PlannedSegment[] }): InterpolateCheckpoint {
  return { kind: 'interpolate', version: CHECKPOINT_VERSION, ...fields, finished: [] };
}

export function checkpointJson(checkpoint: InterpolateCheckpoint): JsonObject {
  // A structured clone keeps later mutations of the live object out of what was saved.
  return JSON.parse(JSON.stringify(checkpoint)) as JsonObject;
}
