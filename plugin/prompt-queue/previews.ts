// Previews for the host's queue page: a WebP thumbnail for images (sharp), a waveform PNG for
// audio (ffmpeg's showwavespic).
import { spawn } from 'node:child_process';
import sharp from 'sharp';
import { ffmpegPath } from '../media/binaries.js';
import type { PromptQueueOptions } from './options.js';

export async function writeThumbnail(source: string, target: string, size: number): Promise<{ width: number; height: number }> {
  const info = await sharp(source, { animated: false })
    .rotate()
    .resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 })
    .toFile(target);
  return { width: info.width, height: info.height };
}

export async function writeWaveform(source: string, target: string, previews: PromptQueueOptions['previews']): Promise<{ width: number; height: number }> {
  const { waveformWidth: width, waveformHeight: height, waveformColor } = previews;
  const args = [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-i', source,
    '-filter_complex', `aformat=channel_layouts=mono,showwavespic=s=${width}x${height}:colors=0x${waveformColor.slice(1)}`,
    '-frames:v', '1', '-f', 'image2', '-c:v', 'png',
    target,
  ];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg could not draw the waveform (exit ${code}): ${stderr.trim()}`))));
  });
  return { width, height };
}
