// Small wrappers around the npm ffmpeg/ffprobe binaries for building and inspecting clips, and
// the ffmpeg children of this process (to prove none are left behind).
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { ffmpegPath, ffprobePath } from '../../plugin/media/binaries.js';

const exec = promisify(execFile);

export async function ffmpeg(args: string[]): Promise<void> {
  await exec(ffmpegPath, ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], { maxBuffer: 64 * 1024 * 1024 });
}

export async function ffprobeJson<T>(args: string[]): Promise<T> {
  const { stdout } = await exec(ffprobePath, ['-v', 'error', '-of', 'json', ...args], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as T;
}

export interface StreamInfo {
  index: number;
  codec_type: string;
  codec_name: string;
  start_time?: string;
  duration?: string;
  nb_read_frames?: string;
  r_frame_rate?: string;
  width?: number;
  height?: number;
}

export async function streamsOf(path: string, countFrames = false): Promise<StreamInfo[]> {
  const args = ['-show_entries', 'stream=index,codec_type,codec_name,start_time,duration,nb_read_frames,r_frame_rate,width,height'];
  if (countFrames) args.unshift('-count_frames');
  const { streams } = await ffprobeJson<{ streams: StreamInfo[] }>([...args, path]);
  return streams;
}

/** Decoded video frames (exact, not the container's claim). */
export async function decodedFrameCount(path: string): Promise<number> {
  const video = (await streamsOf(path, true)).find((s) => s.codec_type === 'video');
  return Number(video?.nb_read_frames ?? 0);
}

/** Every frame as 8-bit gray pixels at the given size, for comparing frames. */
export async function grayFrames(path: string, width: number, height: number): Promise<Buffer[]> {
  const { stdout } = await exec(
    ffmpegPath,
    ['-v', 'error', '-i', path, '-map', '0:v:0', '-vf', `scale=${width}:${height}`, '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
  );
  const size = width * height;
  const frames: Buffer[] = [];
  for (let off = 0; off + size <= stdout.length; off += size) frames.push(stdout.subarray(off, off + size));
  return frames;
}

export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

export interface ChildProcessInfo {
  pid: number;
  /** Process state letter: R running, S sleeping, Z zombie... */
  stat: string;
  command: string;
}

/** Children of this test process that are ffmpeg/ffprobe, zombies included (stat Z), read from /proc. */
export async function ffmpegChildren(): Promise<ChildProcessInfo[]> {
  const pids = new Set<number>();
  for (const task of await readdir(`/proc/${process.pid}/task`)) {
    const listed = await readFile(`/proc/${process.pid}/task/${task}/children`, 'utf8').catch(() => '');
    for (const pid of listed.trim().split(/\s+/).filter(Boolean)) pids.add(Number(pid));
  }
  const children: ChildProcessInfo[] = [];
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
    if (!stat) continue; // exited and reaped meanwhile
    // "<pid> (<comm>) <state> ...": comm may hold spaces, so split at the last parenthesis.
    const close = stat.lastIndexOf(')');
    const command = stat.slice(stat.indexOf('(') + 1, close);
    const state = stat.slice(close + 2, close + 3);
    if (/ffmpeg|ffprobe/.test(command)) children.push({ pid, stat: state, command });
  }
  return children;
}

/**
 * The pids of this process's ffmpeg/ffprobe children now, read synchronously: a sampler that runs
 * while a job works must not wait behind the job's own file I/O in libuv's thread pool.
 */
export function ffmpegChildPidsNow(): number[] {
  const pids: number[] = [];
  for (const task of readdirSync(`/proc/${process.pid}/task`)) {
    let listed = '';
    try {
      listed = readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    for (const pid of listed.trim().split(/\s+/).filter(Boolean).map(Number)) {
      let stat = '';
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // exited and reaped meanwhile
      }
      if (/\((ffmpeg|ffprobe)\)/.test(stat)) pids.push(pid);
    }
  }
  return pids;
}
