// Frame count, keyframe positions and the constant frame rate, read from packet timestamps
// (no decoding, so it is quick even for long files).
import { stat } from 'node:fs/promises';
import { ffprobePath } from '../../../media/binaries.js';
import { MediaLabError } from '../../../core/errors.js';
import { startProcess } from '../ffmpeg/process.js';
import { findCorruption } from '../ffmpeg/errors.js';
import { rateToNumber, type Rational } from '../rates.js';
import { VFR_MESSAGE } from '../validate.js';

export interface FrameIndex {
  frameCount: number;
  /** Frame numbers (presentation order) of keyframes. */
  keyframes: number[];
  /** The constant rate the timestamps follow. */
  rate: Rational;
  /** Timestamp of frame 0 in seconds, as the demuxer reports it. */
  firstTimestamp: number;
}

interface Packet {
  time: number;
  key: boolean;
}

/**
 * Parses one `-of compact` packet line (packet|pts_time=0.016667|dts_time=...|flags=K_).
 * null for other lines and for packets the decoder drops (edit-list pre-roll, flag D).
 */
export function parsePacketLine(line: string): Packet | null {
  if (!line.startsWith('packet|')) return null;
  let pts = NaN;
  let dts = NaN;
  let key = false;
  let discard = false;
  for (const field of line.slice(7).split('|')) {
    const eq = field.indexOf('=');
    const name = field.slice(0, eq);
    const value = field.slice(eq + 1);
    if (name === 'pts_time') pts = Number(value);
    else if (name === 'dts_time') dts = Number(value);
    else if (name === 'flags') {
      key = value.includes('K');
      discard = value.includes('D');
    }
  }
  if (discard) return null;
  const time = Number.isFinite(pts) ? pts : dts;
  return Number.isFinite(time) ? { time, key } : null;
}

/** The byte position a packet line reports (`pos=1234`); null when it has none (N/A). */
export function packetPosition(line: string): number | null {
  const match = /\|pos=(\d+)/.exec(line);
  return match ? Number(match[1]) : null;
}

/** Largest distance, in frames, between a timestamp and where a constant rate puts it. */
export function constantRateError(times: number[], rate: Rational): number {
  const fps = rateToNumber(rate);
  let worst = 0;
  for (let i = 0; i < times.length; i++) worst = Math.max(worst, Math.abs((times[i] - times[0]) * fps - i));
  return worst;
}

/** Picks the first candidate rate the timestamps follow within half a frame; null for variable rate. */
export function fitConstantRate(times: number[], candidates: (Rational | null)[]): Rational | null {
  for (const rate of candidates) if (rate && constantRateError(times, rate) < 0.5) return rate;
  return null;
}

export async function indexFrames(
  path: string,
  streamIndex: number,
  candidates: (Rational | null)[],
  signal: AbortSignal,
  /** How far the read is, 0..1: the last packet's byte position over the file size. */
  onProgress?: (fraction: number) => void,
): Promise<FrameIndex> {
  const packets: Packet[] = [];
  let pending = '';
  const size = onProgress ? (await stat(path)).size : 0;
  const proc = startProcess(
    ['-v', 'error', '-select_streams', String(streamIndex), '-show_entries', `packet=pts_time,dts_time,flags${onProgress ? ',pos' : ''}`, '-of', 'compact', path],
    { label: 'indexing frames', signal, binary: ffprobePath, stdout: true },
  );
  proc.stdout?.setEncoding('utf8');
  proc.stdout?.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const packet = parsePacketLine(line);
      if (packet) packets.push(packet);
    }
    const position = size > 0 && lines.length > 0 ? packetPosition(lines[lines.length - 1]) : null;
    if (position !== null) onProgress?.(position / size);
  });
  await proc.done;
  onProgress?.(1);
  const tail = parsePacketLine(pending);
  if (tail) packets.push(tail);
  const damage = findCorruption(proc.stderr());
  if (damage) throw new MediaLabError('CORRUPT_INPUT', `The input video is damaged: ${damage}`);
  if (packets.length === 0) throw new MediaLabError('CORRUPT_INPUT', 'The input video stream has no frames.');

  const order = packets.map((p, i) => ({ ...p, i })).sort((a, b) => a.time - b.time || a.i - b.i);
  const times = order.map((p) => p.time);
  const rate = fitConstantRate(times, candidates);
  if (!rate) throw new MediaLabError('UNSUPPORTED_FORMAT', VFR_MESSAGE);
  const keyframes = order.flatMap((p, index) => (p.key ? [index] : []));
  return { frameCount: order.length, keyframes, rate, firstTimestamp: times[0] };
}
