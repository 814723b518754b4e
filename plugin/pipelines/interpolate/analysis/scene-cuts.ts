// Finds hard cuts (a new shot starts) with ffmpeg's scene score, on a downscaled copy of each
// frame so the pass costs little more than decoding. The same full decode also reveals
// damaged streams, which would otherwise surface as missing frames much later. Long inputs are
// scanned in parallel parts (decoding alone keeps only about 1.4 cores busy); each part starts
// one frame early, so every pair of neighbouring frames is scored exactly once.
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
  /** Parts scanned at once (the lane's concurrency); short inputs use fewer. */
  parts?: number;
  signal: AbortSignal;
  /**
   * How far the scan is, 0..1 (frames decoded over frames to decode, summed over the parts), from
   * ffmpeg's `-progress` every half second. `select` drops the frames it does not pick, so the
   * frames are counted on a second branch of the graph that receives every one of them.
   */
  onProgress?: (fraction: number) => void;
}

/** Below this many frames per part, a second ffmpeg costs more than it saves. */
const MIN_PART_FRAMES = 120;

/** Reads pts_time from a showinfo line; null for other lines. */
export function showinfoTime(line: string): number | null {
  if (!line.includes('Parsed_showinfo')) return null;
  const match = /pts_time:\s*(-?[\d.]+(?:e-?\d+)?)/.exec(line);
  return match ? Number(match[1]) : null;
}

/** Equal frame ranges [start, end) covering the input, at most `parts` of them. */
export function scanParts(frameCount: number, parts: number): Array<{ start: number; end: number }> {
  const count = Math.max(1, Math.min(Math.floor(parts), Math.floor(frameCount / MIN_PART_FRAMES)));
  return Array.from({ length: count }, (_, index) => ({
    start: Math.round((index * frameCount) / count),
    end: Math.round(((index + 1) * frameCount) / count),
  }));
}

/** Frame numbers that start a new shot, ascending, each in (0, frameCount). */
export async function detectSceneCuts(path: string, options: SceneCutOptions): Promise<number[]> {
  // One failing part stops the others.
  const local = new AbortController();
  const signal = AbortSignal.any([options.signal, local.signal]);
  const parts = scanParts(options.frameCount, options.parts ?? 1);
  const decoded = parts.map(() => 0);
  const toDecode = parts.reduce((n, part) => n + part.end - Math.max(0, part.start - 1), 0);
  const report = options.onProgress;
  const onFrames = report
    ? (index: number, frames: number) => {
        decoded[index] = frames;
        report(decoded.reduce((a, b) => a + b, 0) / toDecode);
      }
    : undefined;
  const results = await Promise.allSettled(
    parts.map((part, index) =>
      scanPart(path, part, { ...options, signal }, onFrames && ((frames) => onFrames(index, frames))).catch((error: unknown) => {
        local.abort(error);
        throw error;
      }),
    ),
  );
  // Parts stopped by another's failure reject with that same error (the abort reason).
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const cuts = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
  report?.(1); // ffmpeg's last progress block may come before its last frames: the scan is done
  return [...new Set(cuts)].sort((a, b) => a - b);
}

/** Reads `frame=N` from ffmpeg's `-progress` output; null for other lines. */
export function progressFrame(line: string): number | null {
  const match = /^frame=(\d+)\s*$/.exec(line);
  return match ? Number(match[1]) : null;
}

async function scanPart(
  path: string,
  part: { start: number; end: number },
  options: SceneCutOptions,
  onFrames?: (frames: number) => void,
): Promise<number[]> {
  const fps = rateToNumber(options.rate);
  // Part k > 0 starts at the frame before its range, so the pair (start - 1, start) is scored here.
  const first = Math.max(0, part.start - 1);
  const cuts: number[] = [];
  let damage: string | null = null;
  // -ss counts from the file's start; -copyts -start_at_zero keeps every part on that same
  // timeline (time 0 = the file's start), so frame numbers agree across parts.
  const seek = first > 0 ? ['-ss', (options.startOffset + (first - 0.5) / fps).toFixed(6)] : [];
  const scaled = `trim=end_frame=${part.end - first},scale=160:-2:flags=fast_bilinear`;
  const select = `select='gt(scene,${options.threshold})',showinfo`;
  // With progress: the scaled frames split in two, every frame to a first (counted) output, the
  // scene branch to a second; the scene branch sees exactly the frames it sees without the split.
  const graph = onFrames
    ? ['-progress', 'pipe:1', '-filter_complex', `[0:${options.streamIndex}]${scaled},split[all][scene];[scene]${select}[cuts]`, '-map', '[all]', '-f', 'null', '-', '-map', '[cuts]', '-f', 'null', '-']
    : ['-map', `0:${options.streamIndex}`, '-an', '-sn', '-dn', '-vf', `${scaled},${select}`, '-f', 'null', '-'];
  const proc = startProcess(
    // Skipping the deblocking filter makes decoding about a third cheaper and barely moves scene scores.
    ['-hide_banner', '-nostdin', '-nostats', '-v', 'info', '-skip_loop_filter', 'all', '-noautorotate', '-copyts', '-start_at_zero', ...seek, '-i', path, ...graph],
    {
      label: 'detecting scene cuts',
      signal: options.signal,
      stdout: Boolean(onFrames),
      onStderrLine: (line) => {
        const time = showinfoTime(line);
        if (time === null) {
          damage ??= findCorruption(line);
          return;
        }
        const frame = Math.round((time - options.startOffset) * fps);
        if (frame > 0 && frame >= part.start && frame < part.end) cuts.push(frame);
      },
    },
  );
  if (onFrames && proc.stdout) {
    let pending = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const frames = progressFrame(line);
        if (frames !== null) onFrames(Math.min(frames, part.end - first));
      }
    });
  }
  await proc.done;
  if (damage) throw new MediaLabError('CORRUPT_INPUT', `The input video is damaged and cannot be decoded: ${damage}`);
  return cuts;
}
