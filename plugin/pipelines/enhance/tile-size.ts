// Picks the tile core size: as large as the memory budget allows, but with model windows of at
// most 320 px. Measured on esrgan-slim with the arena off: windows up to ~320 px keep every
// feature map under glibc's 32 MB mmap threshold, so freed memory is reused (6.3-7.2 us of CPU
// per input pixel); at 512 px each run page-faults ~1.1 times per pixel and costs 8.3-10 us.
//
// onnxruntime's peak working memory per input pixel (converter v2, upsampling folded into the
// last conv): esrgan-slim about 1.4 KB, esrgan-medium 5.5 KB, esrgan-thick 5.3 KB at x2; each
// scale step adds the wider last layers (3 * scale^2 channels, in, out and our copies). Models
// declare a base figure above those measurements; the scale term is added here.

const MIN_TILE = 32;
const MAX_EFFICIENT_WINDOW = 320;

export function estimatedBytesPerInputPixel(baseBytesPerPixel: number, scale: number): number {
  return baseBytesPerPixel + 64 * scale * scale;
}

export function tileSizeForBudget(budgetBytes: number, bytesPerPixel: number, context: number, feather: number): number {
  const window = Math.min(MAX_EFFICIENT_WINDOW, Math.floor(Math.sqrt(budgetBytes / bytesPerPixel)));
  return Math.max(MIN_TILE, window - 2 * (context + feather / 2));
}
