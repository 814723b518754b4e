// The fast and quality engines: one ffmpeg process per segment running an interpolation
// filter (framerate blending, or minterpolate motion compensation) straight into x264.
import { startProcess } from '../ffmpeg/process.js';
import { formatRate, type Rational } from '../rates.js';
import { evenSizeFilter, x264Args } from './encoder.js';
import type { InterpolationEngine, SegmentRenderJob } from './types.js';
import { decodeWindow, leadingContext, seekInputArgs, timestampsFromFrameNumbers, windowFilters } from './window.js';

export type FilterMode = 'fast' | 'quality';

/** The interpolation filter of a mode; the benchmark runs the same one as a single command. */
export function interpolationFilter(mode: FilterMode, target: Rational): string {
  const fps = formatRate(target);
  return mode === 'fast'
    ? `framerate=fps=${fps}`
    : `minterpolate=fps=${fps}:mi_mode=mci:mc_mode=aobmc:me_mode=bidir:vsbmc=1`;
}

/**
 * Source frames each filter must see after a segment's last frame to emit its last in-between
 * frames (measured: both filters need 2; with 1, minterpolate drops the last one).
 */
const CONTEXT_AFTER = 2;

/**
 * Source frames before a segment. On grids that are whole multiples (60 -> 120) a segment can
 * start cold: framerate's output is then bit-identical to one long run, and minterpolate's
 * differs at most in the segment's first in-between frame, by about 57 dB PSNR (its motion
 * search seeds from earlier vectors), while every context frame costs a full frame of motion
 * search. Other grids need 2 frames before for the output instants to line up with a single run.
 */
export function contextBefore(ratio: Rational): number {
  return ratio.den === 1 ? 0 : leadingContext(2, ratio);
}

/** Reads `frame=N` from ffmpeg's -progress output. */
export function progressFrame(line: string): number | null {
  const match = /^frame=(\d+)/.exec(line.trim());
  return match ? Number(match[1]) : null;
}

export function filterEngine(mode: FilterMode): InterpolationEngine {
  return {
    mode,
    description: mode === 'fast' ? 'ffmpeg framerate (frame blending)' : 'ffmpeg minterpolate (mci, aobmc, bidir, vsbmc)',
    async render(job: SegmentRenderJob): Promise<void> {
      const need = { before: contextBefore(job.ratio), after: CONTEXT_AFTER };
      const window = decodeWindow(job.segment, need, job.ratio);
      const filters = [...windowFilters(window, job.source.rate, true), interpolationFilter(mode, job.target)];
      if (window.skipOutput > 0) filters.push(`trim=start_frame=${window.skipOutput}`);
      filters.push(timestampsFromFrameNumbers(job.target));
      const even = evenSizeFilter(job.source);
      if (even) filters.push(even);
      const args = [
        '-hide_banner', '-nostdin', '-v', 'error', '-nostats', '-progress', 'pipe:1',
        ...seekInputArgs(job.inputPath, job.source, window.firstFrame),
        '-vf', filters.join(','),
        '-frames:v', String(job.segment.outCount),
        ...x264Args(job.encoder, job.target),
        '-y', job.outputPath,
      ];
      const proc = startProcess(args, { label: `interpolating segment ${job.segment.index + 1}`, signal: job.signal, stdout: true });
      proc.stdout?.setEncoding('utf8');
      proc.stdout?.on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) {
          const frame = progressFrame(line);
          if (frame !== null) job.onFrames(frame);
        }
      });
      await proc.done;
    },
    async close(): Promise<void> {},
  };
}
