// Paths of the ffmpeg/ffprobe binaries shipped by npm packages (no system install needed).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const ffmpegPath: string = process.env.MEDIA_LAB_FFMPEG ?? (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
export const ffprobePath: string =
  process.env.MEDIA_LAB_FFPROBE ?? (require('@ffprobe-installer/ffprobe') as { path: string }).path;
