// Gallery thumbnails for every kind of artifact, made once and cached under thumbs/ (by content
// hash and size, like image thumbnails always were):
//   image -> the picture, scaled down (sharp)
//   video -> its poster: the preview image its job recorded (interpolate makes one), else a frame
//            a third of the way in (ffmpeg), scaled down
//   audio -> its waveform (ffmpeg's showwavespic), drawn at the asked width
// All are WebP. The file is written to a temp path and renamed into place, so a reader never
// sees half of one.
import { spawn } from 'node:child_process';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import type { Artifact } from '../core/types.js';
import { ffmpegPath } from '../media/binaries.js';
import type { LocalStorage } from './storage.js';
import { posterOf } from './store.js';
import type { Knex } from 'knex';

/** The waveform's colour on the transparent thumbnail (the gallery's accent blue). */
const WAVEFORM_COLOR = '4f46e5';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function ffmpeg(args: string[], what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg could not ${what} (exit ${code}): ${stderr.trim()}`))));
  });
}

async function imageThumb(source: string, size: number, target: string): Promise<void> {
  await sharp(source, { animated: false }).rotate().resize(size, size, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toFile(target);
}

/** The cached thumbnail of `artifact` at `size` px (the longer side), made now if missing. */
export async function thumbnailOf(db: Knex, storage: LocalStorage, artifact: Artifact, size: number): Promise<string> {
  const variant = artifact.kind === 'image' ? artifact.sha256 : `${artifact.sha256}-${artifact.kind === 'video' ? 'poster' : 'waveform'}`;
  const thumb = storage.thumbPath(variant, size);
  if (await exists(thumb)) return thumb;
  await mkdir(dirname(thumb), { recursive: true });
  const temp = storage.tempPath('.webp');
  const scratch: string[] = [];
  try {
    const source = storage.pathOf(artifact.storageKey);
    if (artifact.kind === 'image') {
      await imageThumb(source, size, temp);
    } else if (artifact.kind === 'video') {
      const poster = await posterOf(db, artifact);
      if (poster) {
        await imageThumb(storage.pathOf(poster.storageKey), size, temp);
      } else {
        const frame = storage.tempPath('.png');
        scratch.push(frame);
        const at = artifact.duration ? artifact.duration / 3 : 0;
        await ffmpeg(['-ss', at.toFixed(3), '-i', source, '-frames:v', '1', '-f', 'image2', '-c:v', 'png', frame], 'take a poster frame');
        await imageThumb(frame, size, temp);
      }
    } else {
      const png = storage.tempPath('.png');
      scratch.push(png);
      const height = Math.max(16, Math.round(size / 2));
      await ffmpeg(['-i', source, '-filter_complex', `aformat=channel_layouts=mono,showwavespic=s=${size}x${height}:colors=0x${WAVEFORM_COLOR}`, '-frames:v', '1', '-f', 'image2', '-c:v', 'png', png], 'draw the waveform');
      await sharp(png).webp({ quality: 90 }).toFile(temp);
    }
    await rename(temp, thumb);
    return thumb;
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    for (const path of scratch) await rm(path, { force: true });
  }
}
