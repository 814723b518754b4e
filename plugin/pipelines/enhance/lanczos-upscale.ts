// The `fast` preset: one sharp pipeline, Lanczos resize plus an optional light unsharp mask.
// sharp streams the image, so memory stays small at any size.
import sharp from 'sharp';
import type { ImageFacts } from './image-input.js';
import type { WrittenImage } from './image-output.js';
import { encodeToFile, outputFormatFor } from './image-output.js';

export interface LanczosRequest {
  file: string;
  facts: ImageFacts;
  width: number;
  height: number;
  sharpen: boolean;
  maxInputPixels: number;
  directory: string;
  baseName: string;
}

export async function lanczosUpscale(request: LanczosRequest): Promise<WrittenImage> {
  let pipeline = sharp(request.file, { limitInputPixels: request.maxInputPixels })
    .autoOrient()
    .resize(request.width, request.height, { kernel: 'lanczos3', fit: 'fill' });
  if (request.sharpen) pipeline = pipeline.sharpen({ sigma: 0.6, m1: 0.5, m2: 1.5 });
  if (request.facts.greyscale) pipeline = pipeline.toColourspace('b-w');
  // keepIccProfile keeps the input's profile and its colours (sharp converts back into it).
  pipeline = pipeline.keepIccProfile();
  const format = outputFormatFor(request.facts.format, request.width, request.height);
  return encodeToFile(pipeline, format, request.directory, request.baseName);
}
