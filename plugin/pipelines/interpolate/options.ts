// Server-side configuration of the interpolate pipeline (set by the host, not per job).
import { z } from 'zod';

export const X264_PRESETS = [
  'ultrafast',
  'superfast',
  'veryfast',
  'faster',
  'fast',
  'medium',
  'slow',
  'slower',
  'veryslow',
] as const;

export const encoderOptionsSchema = z.object({
  /** libx264 constant rate factor: lower is better quality and bigger files. */
  crf: z.number().int().min(0).max(51).default(18),
  preset: z.enum(X264_PRESETS).default('veryfast'),
});

/**
 * A user-supplied frame-pair interpolator in ONNX form (for example a RIFE export).
 * The model gets two frames as float32 NCHW tensors [1, 3, H, W] and a time step in (0, 1),
 * and returns the frame at that time as [1, 3, H, W].
 */
export const modelOptionsSchema = z.object({
  /** Absolute path of the .onnx file. */
  file: z.string().min(1),
  /** A name for logs and output metadata (defaults to the file name). */
  name: z.string().min(1).optional(),
  /** onnxruntime intra-op threads per inference. */
  threads: z.number().int().min(1).max(64).default(1),
  inputNames: z
    .object({
      frame0: z.string().min(1).default('img0'),
      frame1: z.string().min(1).default('img1'),
      /** null: the model has no time input and can only make midpoints (2x targets). */
      timestep: z.string().min(1).nullable().default('timestep'),
    })
    .prefault({}),
  /** Output tensor name; defaults to the model's first output. */
  outputName: z.string().min(1).optional(),
  /** Shape of the time-step tensor: [1], [1,1,1,1], or a full [1,1,H,W] map (RIFE v4). */
  timestepLayout: z.enum(['scalar', 'broadcast', 'map']).default('scalar'),
  /** Pixel values the model works in. */
  pixelRange: z.enum(['unit', 'byte']).default('unit'),
  /** Pad width and height up to a multiple of this (RIFE needs 32 or 64); the result is cropped back. */
  padMultiple: z.number().int().min(1).max(256).default(1),
});

export const interpolateOptionsSchema = z.object({
  encoder: encoderOptionsSchema.prefault({}),
  /** ffmpeg scene score (0..1) above which two frames belong to different shots. */
  sceneCutThreshold: z.number().gt(0).max(1).default(0.3),
  /** Preferred segment length; short clips are cut finer so every lane slot has work. */
  segmentSeconds: z.number().min(0.5).max(600).default(10),
  /** Never cut segments shorter than this (except where shots are shorter). */
  minSegmentSeconds: z.number().min(0.1).max(60).default(0.5),
  model: modelOptionsSchema.optional(),
});

export type InterpolateOptionsInput = z.input<typeof interpolateOptionsSchema>;
export type InterpolateOptions = z.output<typeof interpolateOptionsSchema>;
export type EncoderOptions = z.output<typeof encoderOptionsSchema>;
export type ModelOptions = z.output<typeof modelOptionsSchema>;
