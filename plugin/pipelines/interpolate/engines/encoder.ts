// Encoder arguments shared by every engine, so segments join without re-encoding.
import type { EncoderOptions } from '../options.js';
import { formatRate, type Rational } from '../rates.js';

export const OUTPUT_PIX_FMT = 'yuv420p';

export function x264Args(encoder: EncoderOptions, target: Rational): string[] {
  return [
    '-c:v', 'libx264',
    '-preset', encoder.preset,
    '-crf', String(encoder.crf),
    '-pix_fmt', OUTPUT_PIX_FMT,
    '-r', formatRate(target),
    // One tick per frame (1001 for NTSC rates): segment durations add up exactly when joined.
    '-video_track_timescale', String(target.num),
  ];
}

/** x264 needs even dimensions; odd-sized sources get one repeated edge row/column. */
export function evenSizeFilter(size: { width: number; height: number }): string | null {
  return size.width % 2 || size.height % 2 ? 'pad=ceil(iw/2)*2:ceil(ih/2)*2' : null;
}
