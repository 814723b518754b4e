// Structured facts about a video or audio file, read with ffprobe. readProbe is the one place
// that runs ffprobe for them; uploads, ComfyUI outputs and interpolation inputs all go through it.
import { spawn } from 'node:child_process';
import { ffprobePath } from './binaries.js';
import { MediaLabError } from '../core/errors.js';

/** Kept of ffprobe's stderr for the error message. */
const STDERR_KEEP = 8192;

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

/** ffprobe could not read the file; `reason` is what it printed on stderr, or why its output was unusable. */
export class ProbeFailed extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`ffprobe could not read the file${reason ? `: ${reason}` : ''}`, options);
    this.name = 'ProbeFailed';
  }
}

/**
 * Runs `ffprobe -show_format -show_streams` and parses its JSON. On abort the child is killed
 * and has exited before the promise rejects (with the signal's reason), so no ffprobe outlives
 * a cancelled job.
 */
export function readProbe(path: string, signal?: AbortSignal): Promise<RawProbe> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const child = spawn(ffprobePath, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP);
    });
    const kill = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', kill, { once: true });
    let spawnError: Error | null = null;
    child.once('error', (error) => {
      spawnError = error;
    });
    child.once('close', (code) => {
      signal?.removeEventListener('abort', kill);
      if (signal?.aborted) return reject(abortReason(signal));
      if (spawnError || code !== 0) return reject(new ProbeFailed(stderr.trim() || (spawnError?.message ?? `exit code ${code}`), { cause: spawnError }));
      try {
        resolve(JSON.parse(Buffer.concat(stdout).toString('utf8')) as RawProbe);
      } catch (error) {
        reject(new ProbeFailed('it printed no readable JSON', { cause: error }));
      }
    });
  });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

export async function probeMedia(path: string, options: { signal?: AbortSignal } = {}): Promise<ProbeResult> {
  let raw: RawProbe;
  try {
    raw = await readProbe(path, options.signal);
  } catch (error) {
    if (!(error instanceof ProbeFailed)) throw error;
    throw new MediaLabError('UNSUPPORTED_FORMAT', error.message, { cause: error });
  }
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
