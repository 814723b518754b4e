// The streams of the input file, as far as interpolation and muxing need them. Attached
// pictures, data and attachment streams are not listed: the output leaves them out.
import { open } from 'node:fs/promises';
import { sniffFormat } from '../../../media/sniff.js';
import type { RawProbe, RawStream } from '../../../media/ffprobe.js';
import { ProbeFailed, readProbe } from '../../../media/ffprobe.js';
import { MediaLabError } from '../../../core/errors.js';
import { cancellationError, lastLines } from '../ffmpeg/errors.js';
import { parseRate, rateFromFps, rateToNumber, type Rational } from '../rates.js';

export interface SourceVideoStream {
  /** Index among the file's streams. */
  index: number;
  codec: string;
  width: number;
  height: number;
  /** The nominal rate (r_frame_rate). */
  nominalRate: Rational | null;
  /** The average rate (frames / duration), when ffprobe knows it. */
  averageRate: Rational | null;
  /** Seconds from the file's start to the first video frame. */
  startOffset: number;
  pixFmt: string | null;
  /** Display rotation in degrees (phone videos); decoding turns the frames upright. */
  rotation: number;
}

export interface SourceStreams {
  formatName: string;
  video: SourceVideoStream;
  audio: { index: number; codec: string }[];
  subtitles: { index: number; codec: string }[];
}

function seconds(value: string | undefined): number {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

function rotationOf(stream: RawStream): number {
  const fromTag = Number(stream.tags?.rotate);
  const degrees = Number.isFinite(fromTag) && fromTag !== 0 ? fromTag : (stream.side_data_list?.find((s) => typeof s.rotation === 'number')?.rotation ?? 0);
  return ((Math.round(degrees) % 360) + 360) % 360;
}

/** The size of decoded (upright) frames: a quarter turn swaps width and height. */
export function uprightSize(video: SourceVideoStream): { width: number; height: number } {
  return video.rotation % 180 === 90 ? { width: video.height, height: video.width } : { width: video.width, height: video.height };
}

function positiveRate(fraction: string | undefined): Rational | null {
  const rate = parseRate(fraction);
  // ffprobe reports 90000/1 and similar time bases when it cannot tell the frame rate.
  return rate && rateToNumber(rate) <= 1000 ? rate : null;
}

async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * ffprobe says the same ("moov atom not found") about random bytes and a cut-off MP4, so the
 * first bytes decide: a known audio/video container that will not open is damaged; anything
 * else is simply not a video.
 */
async function unreadableInput(path: string, reason: string, error: unknown): Promise<MediaLabError> {
  const sniffed = sniffFormat(await readHead(path).catch(() => Buffer.alloc(0)));
  if (sniffed && sniffed.kind !== 'image') {
    return new MediaLabError('CORRUPT_INPUT', `The ${sniffed.format.toUpperCase()} file is damaged and cannot be read: ${reason}`, { cause: error });
  }
  return new MediaLabError('UNSUPPORTED_FORMAT', `The input is not a video file ffmpeg can read: ${reason}`, { cause: error });
}

export async function probeSource(path: string, signal: AbortSignal): Promise<SourceStreams> {
  let raw: RawProbe;
  try {
    raw = await readProbe(path, signal);
  } catch (error) {
    if (signal.aborted) throw cancellationError(signal);
    if (!(error instanceof ProbeFailed)) throw error;
    throw await unreadableInput(path, lastLines(error.reason, 2).split(path).join('the input') || error.message, error);
  }
  const streams = raw.streams ?? [];
  const videoRaw = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!videoRaw || !videoRaw.width || !videoRaw.height) {
    throw new MediaLabError('UNSUPPORTED_FORMAT', 'The input has no video stream to interpolate (it may be audio only or an image).');
  }
  const average = positiveRate(videoRaw.avg_frame_rate);
  return {
    formatName: raw.format?.format_name ?? 'unknown',
    video: {
      index: videoRaw.index,
      codec: videoRaw.codec_name ?? 'unknown',
      width: videoRaw.width,
      height: videoRaw.height,
      nominalRate: positiveRate(videoRaw.r_frame_rate),
      averageRate: average ? rateFromFps(rateToNumber(average)) : null,
      startOffset: seconds(videoRaw.start_time) - seconds(raw.format?.start_time),
      pixFmt: videoRaw.pix_fmt ?? null,
      rotation: rotationOf(videoRaw),
    },
    audio: streams.filter((s) => s.codec_type === 'audio').map((s) => ({ index: s.index, codec: s.codec_name ?? 'unknown' })),
    subtitles: streams.filter((s) => s.codec_type === 'subtitle').map((s) => ({ index: s.index, codec: s.codec_name ?? 'unknown' })),
  };
}

