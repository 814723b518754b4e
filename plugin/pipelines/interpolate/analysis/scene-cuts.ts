// Finds hard cuts (a new shot starts) with ffmpeg's scene score, on a downscaled copy of each
// frame so the pass costs little more than decoding. The same full decode also reveals
// damaged streams, which would otherwise surface as missing frames much later.
import { MediaLabError } from '../../../core/errors.js';
import { startProcess } from '../ffmpeg/process.js';
import { findCorruption } from '../ffmpeg/errors.js';
import { rateToNumber, type Rational } from '../rates.js';

export interface SceneCutOptions {
  threshold: number;
  streamIndex: number;
  rate: Rational;
  frameCount: number;
  /** Seconds between the file start and frame 0 (ffmpeg reports times from the file start). */
  startOffset: number;
  signal: AbortSignal;
}

/** Reads pts_time from a showinfo line; null for other lines. */
export function showinfoTime(line: string): number | null {
  if (!line.includes('Parsed_showinfo')) return null;
  const match = /pts_time:\s*(-?[\d.]+(?:e-?\d+)?)/.exec(line);
  return match ? Number(match[1]) : null;
}

/** Frame numbers that start a new shot, ascending, each in (0, frameCount). */
export async function detectSceneCuts(path: string, options: SceneCutOptions): Promise<number[]> {
  const fps = rateToNumber(options.rate);
  const cuts = new Set<number>();
  let damage: string | null = null;
  const filter = `scale=160:-2:flags=fast_bilinear,select='gt(scene,${options.threshold})',showinfo`;
  const proc = startProcess(
    // Skipping the deblocking filter makes decoding about a third cheaper and barely moves scene scores.
    ['-hide_banner', '-nostdin', '-nostats', '-v', 'info', '-skip_loop_filter', 'all', '-noautorotate', '-i', path, '-map', `0:${options.streamIndex}`, '-an', '-sn', '-dn', '-vf', filter, '-f', 'null', '-'],
    {
      label: 'detecting scene cuts',
      signal: options.signal,
      onStderrLine: (line) => {
        const time = showinfoTime(line);
        if (time === null) {
          damage ??= findCorruption(line);
          return;
        }
        const frame = Math.round((time - options.startOffset) * fps);
        if (frame > 0 && frame < options.frameCount) cuts.add(frame);
      },
    },
  );
  await proc.done;
  if (damage) throw new MediaLabError('CORRUPT_INPUT', `The input video is damaged and cannot be decoded: ${damage}`);
  return [...cuts].sort((a, b) => a - b);
}
