// Joins the finished segments without re-encoding (concat demuxer, stream copy) and puts the
// source's audio and subtitles beside them, untouched in time.
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startProcess } from './ffmpeg/process.js';
import type { MuxPlan } from './mux-plan.js';
import type { Rational } from './rates.js';

export interface JoinSegment {
  path: string;
  /** Output frames in the segment. */
  frames: number;
}

export interface JoinRequest {
  segments: JoinSegment[];
  /** The output rate: segment durations are stated exactly from it. */
  target: Rational;
  /** Seconds from the source's start to its first video frame, kept so audio stays in sync. */
  videoStartOffset: number;
  sourcePath: string;
  mux: MuxPlan;
  outputPath: string;
  /** Where the list file goes (the attempt's temp dir). */
  scratchDir: string;
  signal: AbortSignal;
}

/** A concat-demuxer list line; single quotes in paths are escaped the way the demuxer reads them. */
export function concatLine(path: string): string {
  return `file '${path.replace(/'/g, "'\\''")}'`;
}

/**
 * The concat list with each file's duration stated. Left to itself the demuxer measures
 * durations in rounded microseconds and leaves a gap at every join; stating them as the
 * differences of correctly rounded running totals keeps every frame exactly one tick apart.
 */
export function concatList(segments: JoinSegment[], target: Rational): string {
  const micros = (frames: number) => Math.round((frames * target.den * 1_000_000) / target.num);
  let framesSoFar = 0;
  const lines: string[] = [];
  for (const segment of segments) {
    const start = micros(framesSoFar);
    framesSoFar += segment.frames;
    lines.push(concatLine(segment.path), `duration ${((micros(framesSoFar) - start) / 1_000_000).toFixed(6)}`);
  }
  return lines.join('\n') + '\n';
}

export async function joinSegments(request: JoinRequest): Promise<void> {
  const listPath = join(request.scratchDir, 'segments.txt');
  await writeFile(listPath, concatList(request.segments, request.target));
  const args = ['-hide_banner', '-nostdin', '-v', 'error'];
  if (request.videoStartOffset > 0) args.push('-itsoffset', request.videoStartOffset.toFixed(6));
  args.push(
    '-f', 'concat', '-safe', '0', '-i', listPath,
    '-i', request.sourcePath,
    '-map', '0:v:0',
    ...request.mux.streamArgs,
    '-c:v', 'copy',
    '-map_metadata', '1',
    '-map_chapters', '1',
  );
  // Same one-tick-per-frame clock as the segments (the muxer's default would round 144 fps).
  if (request.mux.container === 'mp4') args.push('-video_track_timescale', String(request.target.num), '-movflags', '+faststart');
  args.push('-f', request.mux.container === 'mp4' ? 'mp4' : 'matroska', '-y', request.outputPath);
  try {
    await startProcess(args, { label: 'joining segments', signal: request.signal }).done;
  } finally {
    await rm(listPath, { force: true });
  }
}
