// Test clips made with ffmpeg once per test run: small (160x90), short, with motion, audio
// and subtitles, plus a hard scene cut, a 23.976 fps clip and some broken files.
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpeg } from './ffmpeg.js';

export const CLIP_WIDTH = 160;
export const CLIP_HEIGHT = 90;

export interface Clips {
  dir: string;
  /** 2 s, 60 fps, testsrc2 motion, 440 Hz audio, two subtitle cues (MP4, mov_text). */
  motion: string;
  /** 2 s, 60 fps: 1 s of testsrc2, then a hard cut to 1 s of a mandelbrot zoom (frame 60 starts shot 2). */
  sceneCut: string;
  /** 2 s (48 frames) at 24000/1001 fps in Matroska with SRT subtitles and AAC audio. */
  ntsc: string;
  /** 6 s, 60 fps, 320x180: long enough that a cancel lands mid-work. */
  long: string;
  /** Random bytes with an .mp4 name. */
  garbage: string;
  /** An MP4 cut in half before its index (moov) was written. */
  truncated: string;
  /** A complete MP4 (index first) with garbage written over the middle of its frame data. */
  damaged: string;
  /** Audio only. */
  audioOnly: string;
}

const SUBTITLES = '1\n00:00:00,200 --> 00:00:00,900\nHello\n\n2\n00:00:01,000 --> 00:00:01,800\nWorld\n';

let cached: Promise<Clips> | null = null;

export function testClips(): Promise<Clips> {
  cached ??= makeClips();
  return cached;
}

export async function removeTestClips(): Promise<void> {
  if (!cached) return;
  const clips = await cached;
  cached = null;
  await rm(clips.dir, { recursive: true, force: true });
}

async function makeClips(): Promise<Clips> {
  const dir = await mkdtemp(join(tmpdir(), 'media-lab-interp-clips-'));
  // Shared by every interpolate test file, so removed when the test process ends.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const srt = join(dir, 'subs.srt');
  await writeFile(srt, SUBTITLES);
  const size = `${CLIP_WIDTH}x${CLIP_HEIGHT}`;
  const x264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '16', '-pix_fmt', 'yuv420p', '-g', '30'];

  const clips: Clips = {
    dir,
    motion: join(dir, 'motion.mp4'),
    sceneCut: join(dir, 'scene-cut.mp4'),
    ntsc: join(dir, 'ntsc.mkv'),
    long: join(dir, 'long.mp4'),
    garbage: join(dir, 'garbage.mp4'),
    truncated: join(dir, 'truncated.mp4'),
    damaged: join(dir, 'damaged.mp4'),
    audioOnly: join(dir, 'audio-only.m4a'),
  };

  await Promise.all([
    ffmpeg([
      '-f', 'lavfi', '-i', `testsrc2=s=${size}:r=60:d=2`,
      '-f', 'lavfi', '-i', 'sine=f=440:r=48000:d=2',
      '-i', srt,
      '-map', '0:v', '-map', '1:a', '-map', '2:s', ...x264, '-c:a', 'aac', '-c:s', 'mov_text', clips.motion,
    ]),
    ffmpeg([
      '-f', 'lavfi', '-i', `testsrc2=s=${size}:r=60:d=1`,
      '-f', 'lavfi', '-i', `mandelbrot=s=${size}:r=60:start_scale=1.5,trim=duration=1`,
      '-f', 'lavfi', '-i', 'sine=f=330:r=48000:d=2',
      '-filter_complex', '[0:v][1:v]concat=n=2:v=1:a=0,format=yuv420p[v]',
      '-map', '[v]', '-map', '2:a', ...x264, '-c:a', 'aac', clips.sceneCut,
    ]),
    ffmpeg([
      '-f', 'lavfi', '-i', `testsrc2=s=${size}:r=24000/1001:d=2.002`,
      '-f', 'lavfi', '-i', 'sine=f=550:r=48000:d=2.002',
      '-i', srt,
      // No B-frames: this old ffmpeg writes jittered video timestamps into Matroska with B-frames plus audio.
      '-map', '0:v', '-map', '1:a', '-map', '2:s', ...x264, '-bf', '0', '-c:a', 'aac', '-c:s', 'srt', clips.ntsc,
    ]),
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=60:d=6', ...x264, clips.long]),
    ffmpeg(['-f', 'lavfi', '-i', 'sine=f=440:r=48000:d=1', '-c:a', 'aac', clips.audioOnly]),
    ffmpeg(['-f', 'lavfi', '-i', `testsrc2=s=${size}:r=60:d=2`, ...x264, '-movflags', '+faststart', clips.damaged]),
  ]);
  const damaged = await readFile(clips.damaged);
  for (let i = 0; i < 3000; i++) damaged[Math.floor(damaged.length / 2) + i] = (i * 7919 + 101) % 256;
  await writeFile(clips.damaged, damaged);
  await writeFile(clips.garbage, Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7919 + 13) % 251)));
  // Without +faststart the index (moov) sits at the end, so half a file has no index at all.
  const whole = await readFile(clips.motion);
  await writeFile(clips.truncated, whole.subarray(0, Math.floor(whole.length / 2)));
  return clips;
}
