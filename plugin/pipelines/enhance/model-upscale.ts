// The model presets: run the tiled model over the decoded sRGB pixels, upscale alpha separately with
// Lanczos, resize to the exact requested size if the model's scale differs, then encode.
import sharp from 'sharp';
import type { DecodedImage, ImageFacts } from './image-input.js';
import { resizedAlpha } from './image-input.js';
import type { WrittenImage } from './image-output.js';
import { writeImage, writePreview } from './image-output.js';
import type { PreparedModel } from './model-types.js';
import { onnxWindowUpscaler } from './onnx-window-upscaler.js';
import type { PooledSession } from './session-pool.js';
import type { TilePlan } from './tile-plan.js';
import { planTiles } from './tile-plan.js';
import { estimatedBytesPerInputPixel, modelWindowBudget, tileGridForBudget, withProgressBands } from './tile-size.js';
import { roundingWriter, upscaleTiled } from './tiled-upscale.js';

/**
 * Blend ramp width in input pixels. With enough context both neighbours compute (nearly) the
 * same values in the ramp, so a narrow ramp is enough, and it keeps the overlap cheap.
 */
export const TILE_FEATHER = 4;
/**
 * Mirrored pixels added on the image border. Measured on the ESRGAN models: without it the
 * border pixels are off by up to 90/255 (zero padding darkens them); with 8 they are within
 * 0.3/255 of an unlimited mirror.
 */
export const BORDER_PAD = 8;

export interface ModelUpscaleRequest {
  facts: ImageFacts;
  decoded: DecodedImage;
  model: PreparedModel;
  session: PooledSession;
  /** Final size (may differ from input * model scale when outscale or a custom model's scale asks). */
  width: number;
  height: number;
  memoryBudgetBytes: number;
  /** Forces a tile core size (tests, benchmarks); otherwise chosen from the memory budget. */
  tileSize?: number;
  /** False: no extra row bands for progress (the benchmark's baseline). */
  bands?: boolean;
  directory: string;
  baseName: string;
  preview: boolean;
  signal: AbortSignal;
  /** The windows planned, before the first runs. */
  onPlan?(plan: TilePlan): void;
  onTileDone(done: number, total: number): void;
  onStage(stage: 'encoding' | 'preview'): void;
}

export interface ModelUpscaleResult {
  output: WrittenImage;
  preview: WrittenImage | null;
  plan: TilePlan;
}

export async function modelUpscale(request: ModelUpscaleRequest): Promise<ModelUpscaleResult> {
  const { facts, model, decoded } = request;

  const borderPad = Math.min(model.tileContext, BORDER_PAD);
  const modelWidth = decoded.width * model.scale;
  const modelHeight = decoded.height * model.scale;
  const channels = decoded.alpha ? 4 : 3;
  const budgetGrid = request.tileSize
    ? null
    : tileGridForBudget({
        width: decoded.width,
        height: decoded.height,
        budgetBytes: modelWindowBudget(request.memoryBudgetBytes, modelWidth * modelHeight * channels),
        bytesPerPixel: estimatedBytesPerInputPixel(model.bytesPerInputPixel, model.scale),
        context: model.tileContext,
        feather: TILE_FEATHER,
        borderPad,
      });
  // Forced sizes (tests, benchmarks) are taken as they are; a chosen grid gets row bands for progress.
  const grid = budgetGrid
    ? request.bands === false
      ? budgetGrid
      : withProgressBands(budgetGrid, { height: decoded.height, context: model.tileContext, feather: TILE_FEATHER, borderPad })
    : { tileWidth: request.tileSize!, tileHeight: request.tileSize! };
  const plan = planTiles(decoded.width, decoded.height, { ...grid, context: model.tileContext, feather: TILE_FEATHER, borderPad });
  const pixels = Buffer.allocUnsafe(modelWidth * modelHeight * channels);
  request.onPlan?.(plan);

  await upscaleTiled({
    image: { data: decoded.rgb, width: decoded.width, height: decoded.height },
    plan,
    scale: model.scale,
    upscaleWindow: onnxWindowUpscaler(request.session, model, borderPad),
    write: roundingWriter(pixels, modelWidth, channels),
    signal: request.signal,
    onTileDone: request.onTileDone,
  });
  if (decoded.alpha) {
    const alpha = await resizedAlpha(decoded.alpha, decoded, modelWidth, modelHeight);
    for (let pixel = 0, index = 3; pixel < alpha.length; pixel++, index += 4) pixels[index] = alpha[pixel]!;
  }
  request.signal.throwIfAborted();

  request.onStage('encoding');
  const raw = { raw: { width: modelWidth, height: modelHeight, channels } } as const;
  let pipeline = sharp(pixels, raw);
  // An opaque alpha channel comes back as it went in: opaque, at no cost.
  if (facts.hasAlpha && !decoded.alpha) pipeline = pipeline.ensureAlpha(1);
  if (request.width !== modelWidth || request.height !== modelHeight) {
    pipeline = pipeline.resize(request.width, request.height, { kernel: 'lanczos3', fit: 'fill' });
  }
  const style = { inputFormat: facts.format, greyscale: facts.greyscale, icc: facts.icc };
  const output = await writeImage(pipeline, { width: request.width, height: request.height }, style, request.directory, request.baseName);
  if (request.preview) request.onStage('preview');
  const preview = request.preview ? await writePreview(sharp(pixels, raw), request.directory, request.baseName) : null;
  return { output, preview, plan };
}
