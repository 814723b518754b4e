// Structured facts about a video or audio file, read with ffprobe.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ffprobePath } from './binaries.js';
import { MediaLabError } from '../core/errors.js';

const run = promisify(execFile);

export interface VideoStreamFacts {
  index: number;
  codec: string;
  width: number;
  height: number;
  /** Average frame rate (frames / duration). */
  fps: number;
  /** The stream's nominal rate as a fraction string, e.g. "60000/1001". */
  rateFraction: string;
  /** True when the average and the nominal rate differ noticeably (variable frame rate). */
  variableFrameRate: boolean;
  frameCount: number | null;
  duration: number | null;
  pixFmt: string | null;
}

export interface AudioStreamFacts {
  index: number;
  codec: string;
  sampleRate: number;
  channels: number;
  duration: number | null;
}

export interface ProbeResult {
  formatName: string;
  duration: number | null;
  bitRate: number | null;
  video: VideoStreamFacts | null;
  audio: AudioStreamFacts[];
  subtitleStreams: number;
}

/** The fields we read from `ffprobe -print_format json -show_format -show_streams`. */
export interface RawStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_frames?: string;
  duration?: string;
  start_time?: string;
  pix_fmt?: string;
  sample_rate?: string;
  channels?: number;
  tags?: Record<string, string>;
  side_data_list?: { rotation?: number }[];
  disposition?: { attached_pic?: number };
}

export interface RawProbe {
  streams?: RawStream[];
  format?: { format_name?: string; duration?: string; bit_rate?: string; start_time?: string };
}

export function parseRate(fraction: string | undefined): number {
  if (!fraction) return 0;
  const [num, den] = fraction.split('/').map(Number);
  if (!den) return Number.isFinite(num) ? num : 0;
  return num / den;
}

function toNumber(value: string | undefined): number | null {
  if (value === undefined || value === 'N/A') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export async function probeMedia(path: string, options: { signal?: AbortSignal } = {}): Promise<ProbeResult> {
  let stdout: string;
  try {
    ({ stdout } = await run(
      ffprobePath,
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path],
      { maxBuffer: 16 * 1024 * 1024, signal: options.signal },
    ));
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new MediaLabError('UNSUPPORTED_FORMAT', `ffprobe could not read the file${stderr ? `: ${stderr}` : ''}`, {
      cause: error,
    });
  }
  const raw = JSON.parse(stdout) as RawProbe;
  const streams = raw.streams ?? [];
  const videoRaw = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  let video: VideoStreamFacts | null = null;
  if (videoRaw) {
    const avg = parseRate(videoRaw.avg_frame_rate);
    const nominal = parseRate(videoRaw.r_frame_rate);
    const fps = avg || nominal;
    const duration = toNumber(videoRaw.duration) ?? toNumber(raw.format?.duration);
    const frames = toNumber(videoRaw.nb_frames);
    video = {
      index: videoRaw.index,
      codec: videoRaw.codec_name ?? 'unknown',
      width: videoRaw.width ?? 0,
      height: videoRaw.height ?? 0,
      fps,
      rateFraction: videoRaw.r_frame_rate ?? `${fps}/1`,
      variableFrameRate: avg > 0 && nominal > 0 && Math.abs(avg - nominal) / nominal > 0.01,
      frameCount: frames ?? (duration !== null && fps > 0 ? Math.round(duration * fps) : null),
      duration,
      pixFmt: videoRaw.pix_fmt ?? null,
    };
  }
  const audio = streams
    .filter((s) => s.codec_type === 'audio')
    .map((s) => ({
      index: s.index,
      codec: s.codec_name ?? 'unknown',
      sampleRate: Number(s.sample_rate ?? 0),
      channels: s.channels ?? 0,
      duration: toNumber(s.duration),
    }));
  return {
    formatName: raw.format?.format_name ?? 'unknown',
    duration: toNumber(raw.format?.duration),
    bitRate: toNumber(raw.format?.bit_rate),
    video,
    audio,
    subtitleStreams: streams.filter((s) => s.codec_type === 'subtitle').length,
  };
}
