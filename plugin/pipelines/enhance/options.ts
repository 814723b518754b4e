// Plugin-level settings of the enhance kind (set by the host once, not per job).
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

export const EXECUTION_PROVIDERS = ['cuda', 'tensorrt', 'dml', 'coreml', 'webgpu', 'cpu'] as const;
export type ExecutionProviderName = (typeof EXECUTION_PROVIDERS)[number];

export const MODEL_PRESETS = ['balanced', 'quality', 'max'] as const;
export type ModelPreset = (typeof MODEL_PRESETS)[number];

export const customModelSchema = z.object({
  /** Shown in presets and recorded on outputs. */
  name: z.string().min(1).max(100),
  /** Absolute path of an ONNX model: NCHW float input with 3 channels, output `scale` times larger. */
  file: z.string().min(1),
  /** The value range the model reads and writes. */
  range: z.enum(['0-1', '0-255']).default('0-1'),
  /** The preset this model serves; it replaces the preset's npm model. */
  preset: z.enum(MODEL_PRESETS).default('max'),
  /** Context (input pixels) each tile keeps around its core; raise it for models with a wide receptive field. */
  tileContext: z.number().int().min(0).max(128).default(24),
});
export type CustomModelOption = z.infer<typeof customModelSchema>;

export const enhanceOptionsSchema = z.object({
  /** onnxruntime intra-op threads (per session run). */
  threads: z.number().int().min(1).max(256).default(() => os.availableParallelism()),
  /** Tried in order; the first that loads runs the job, and the job records which one it was. */
  executionProviders: z.array(z.enum(EXECUTION_PROVIDERS)).min(1).default(['cpu']),
  customModels: z.array(customModelSchema).default([]),
  /** Decompression-bomb guard: inputs with more pixels fail with INPUT_TOO_LARGE before decoding. */
  maxInputPixels: z.number().int().positive().default(25_000_000),
  /** Outputs with more pixels fail with INPUT_TOO_LARGE before any work (a 2048 x 2048 input at x4 is 67 Mpx). */
  maxOutputPixels: z.number().int().positive().default(134_217_728),
  /**
   * Memory for one job's model window and its 8-bit output image together; the tile grid is
   * chosen from what the output leaves (tile-size.ts). 768 runs a 512 x 512 input at x4 as one
   * window, and a 2048 x 2048 input at x4 in 20 tiles at about 0.9 GB peak RSS for the process.
   */
  memoryBudgetMB: z.number().int().min(64).max(65_536).default(768),
  /** A model session unused this long is released (its memory arena goes back); 0 keeps sessions loaded. */
  sessionIdleSeconds: z.number().int().min(0).default(300),
  /** Where converted ONNX models are cached, keyed by the source weights' hash. */
  modelCacheDir: z.string().min(1).default(() => path.join(os.tmpdir(), 'media-lab', 'enhance-models')),
  /** Light unsharp mask after the `fast` preset's Lanczos resize. */
  fastSharpen: z.boolean().default(true),
  /** Also record a small WebP preview of each output. */
  preview: z.boolean().default(true),
});

export type EnhanceOptions = z.infer<typeof enhanceOptionsSchema>;
export type EnhanceOptionsInput = z.input<typeof enhanceOptionsSchema>;
