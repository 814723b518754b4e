// What reporting progress costs the interpolate analysis (frame index + scene scan):
//   npx tsx bench/interpolate-analysis.ts [--seconds 60] [--rounds 5]
//
// Makes a 720p 60 fps clip (two 5 s shots, repeated by stream copy), then times the frame index
// and the scene scan (2 parts, as a lane of 2 runs it) with and without progress callbacks,
// alternating the two on the same clip in the same run. Prints medians and the ratio with/without,
// of wall time and of the CPU time ffmpeg/ffprobe used (steadier on a loaded machine).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ffmpegPath } from '../plugin/media/binaries.js';
import { indexFrames } from '../plugin/pipelines/interpolate/analysis/frame-index.js';
import { detectSceneCuts } from '../plugin/pipelines/interpolate/analysis/scene-cuts.js';

const exec = promisify(execFile);

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

async function ffmpeg(args: string[]): Promise<void> {
  await exec(ffmpegPath, ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], { maxBuffer: 64 * 1024 * 1024 });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** CPU time (user + system, ms) of this process's finished children (Linux: /proc/self/stat cutime + cstime). */
function childCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ", field 3 (state) is index 0: cutime and cstime are fields 16 and 17, in 1/100 s.
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

/** Wall time and the children's CPU time: on a loaded machine the CPU time is the steadier figure. */
async function time<T>(run: () => Promise<T>): Promise<{ ms: number; cpu: number; value: T }> {
  const start = performance.now();
  const cpuStart = childCpuMs();
  const value = await run();
  return { ms: performance.now() - start, cpu: childCpuMs() - cpuStart, value };
}

async function main(): Promise<void> {
  const seconds = arg('--seconds', 60);
  const rounds = arg('--rounds', 5);
  const dir = await mkdtemp(join(tmpdir(), 'media-lab-bench-analysis-'));
  try {
    const shots = join(dir, 'shots.mp4');
    await ffmpeg([
      '-f', 'lavfi', '-i', 'testsrc2=s=1280x720:r=60,trim=end_frame=300',
      '-f', 'lavfi', '-i', 'smptebars=s=1280x720:r=60,hue=h=t*90,trim=end_frame=300',
      '-filter_complex', '[0:v][1:v]concat=n=2:v=1:a=0,format=yuv420p[v]',
      '-map', '[v]', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '120', shots,
    ]);
    const clip = join(dir, 'clip.mp4');
    await ffmpeg(['-stream_loop', String(Math.max(0, Math.round(seconds / 10) - 1)), '-i', shots, '-c', 'copy', clip]);

    const signal = new AbortController().signal;
    const rate = { num: 60, den: 1 };
    const index = await indexFrames(clip, 0, [rate], signal);
    const scan = (onProgress?: (f: number) => void) =>
      detectSceneCuts(clip, { threshold: 0.3, streamIndex: 0, rate, frameCount: index.frameCount, startOffset: 0, parts: 2, signal, onProgress });

    const times = { indexOff: [] as number[], indexOn: [] as number[], scanOff: [] as number[], scanOn: [] as number[] };
    const cpu = { off: [] as number[], on: [] as number[] };
    let updates = 0;
    for (let round = 0; round < rounds; round++) {
      // Alternate which goes first, so a warming cache or a neighbour's load falls on both.
      const order = round % 2 === 0 ? [false, true] : [true, false];
      for (const on of order) {
        const counted = on ? () => void updates++ : undefined;
        const indexed = await time(() => indexFrames(clip, 0, [rate], signal, counted));
        const scanned = await time(() => scan(counted));
        if (indexed.value.frameCount !== index.frameCount) throw new Error('frame index differs');
        (on ? times.indexOn : times.indexOff).push(indexed.ms);
        (on ? times.scanOn : times.scanOff).push(scanned.ms);
        (on ? cpu.on : cpu.off).push(indexed.cpu + scanned.cpu);
        if (JSON.stringify(scanned.value) !== JSON.stringify(await scan())) throw new Error('scene cuts differ');
      }
    }
    const row = (label: string, off: number[], on: number[]) =>
      console.log(`${label.padEnd(12)} without ${median(off).toFixed(0).padStart(6)} ms   with ${median(on).toFixed(0).padStart(6)} ms   ratio ${(median(on) / median(off)).toFixed(3)}`);
    console.log(`clip: 1280x720, 60 fps, ${index.frameCount} frames; ${rounds} rounds, medians; ${cpus().length} cores, load ${loadavg()[0].toFixed(2)}`);
    row('frame index', times.indexOff, times.indexOn);
    row('scene scan', times.scanOff, times.scanOn);
    const off = times.indexOff.map((ms, i) => ms + times.scanOff[i]!);
    const on = times.indexOn.map((ms, i) => ms + times.scanOn[i]!);
    row('analysis', off, on);
    row('ffmpeg CPU', cpu.off, cpu.on);
    console.log(`progress callbacks: ${(updates / rounds).toFixed(0)} per analysis`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
