// A poster image for the output: one frame a third of the way in (past fade-ins).
import { startProcess } from './ffmpeg/process.js';

export const POSTER_MAX_WIDTH = 640;

export function posterSize(width: number, height: number): { width: number; height: number } {
  if (width <= POSTER_MAX_WIDTH) return { width, height };
  return { width: POSTER_MAX_WIDTH, height: Math.max(2, Math.round((height * POSTER_MAX_WIDTH) / width / 2) * 2) };
}

export async function writePoster(videoPath: string, at: number, size: { width: number; height: number }, outputPath: string, signal: AbortSignal): Promise<void> {
  await startProcess(
    [
      '-hide_banner', '-nostdin', '-v', 'error',
      '-ss', at.toFixed(3), '-i', videoPath,
      '-frames:v', '1', '-vf', `scale=${size.width}:${size.height}`, '-q:v', '3',
      '-y', outputPath,
    ],
    { label: 'making the poster', signal },
  ).done;
}
