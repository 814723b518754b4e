// Reads the facts of an uploaded file from its bytes and rejects what is not really media.
import { open } from 'node:fs/promises';
import sharp from 'sharp';
import type { JsonObject, MediaFacts } from '../core/types.js';
import { MediaLabError } from '../core/errors.js';
import { SUPPORTED_UPLOAD_FORMATS, sniffFormat } from './sniff.js';
import { probeMedia } from './ffprobe.js';

async function readHead(path: string, bytes = 64): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export interface InspectOptions {
  maxImagePixels: number;
}

/** Throws MediaLabError UNSUPPORTED_FORMAT (-> 415), CORRUPT_INPUT (-> 422) or INPUT_TOO_LARGE (-> 413). */
export async function inspectMedia(path: string, options: InspectOptions): Promise<MediaFacts> {
  const sniffed = sniffFormat(await readHead(path));
  if (!sniffed) {
    throw new MediaLabError('UNSUPPORTED_FORMAT', `This file is not a supported image, video or audio format. Supported: ${SUPPORTED_UPLOAD_FORMATS}.`);
  }
  if (sniffed.kind === 'image') return inspectImage(path, sniffed.mime, options);
  return inspectTimed(path, sniffed.kind, sniffed.mime);
}

async function inspectImage(path: string, mime: string, options: InspectOptions): Promise<MediaFacts> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new MediaLabError('CORRUPT_INPUT', `The ${mime} file could not be read: ${(error as Error).message}`, { cause: error });
  }
  const pixels = (meta.width ?? 0) * (meta.height ?? 0);
  if (pixels > options.maxImagePixels) {
    throw new MediaLabError(
      'INPUT_TOO_LARGE',
      `The image is ${meta.width}x${meta.height} (${pixels} pixels), over the limit of ${options.maxImagePixels} pixels.`,
    );
  }
  try {
    // A full decode catches truncated and corrupt files that still have a valid header.
    await sharp(path, { limitInputPixels: options.maxImagePixels, failOn: 'error' }).stats();
  } catch (error) {
    throw new MediaLabError('CORRUPT_INPUT', `The ${mime} file is damaged and cannot be decoded: ${(error as Error).message}`, { cause: error });
  }
  const oriented = (meta.orientation ?? 1) >= 5;
  const metadata: JsonObject = { format: meta.format ?? null, channels: meta.channels ?? null, hasAlpha: meta.hasAlpha ?? false };
  if (meta.orientation) metadata.orientation = meta.orientation;
  if (meta.icc) metadata.hasIccProfile = true;
  return {
    kind: 'image',
    mime,
    width: (oriented ? meta.height : meta.width) ?? null,
    height: (oriented ? meta.width : meta.height) ?? null,
    metadata,
  };
}

async function inspectTimed(path: string, kind: 'video' | 'audio', mime: string): Promise<MediaFacts> {
  let probe;
  try {
    probe = await probeMedia(path);
  } catch (error) {
    throw new MediaLabError('CORRUPT_INPUT', `The ${kind} file could not be read: ${(error as Error).message}`, { cause: error });
  }
  if (kind === 'video') {
    if (!probe.video) {
      if (probe.audio.length) return audioFacts(probe, mime === 'video/mp4' ? 'audio/mp4' : mime);
      throw new MediaLabError('CORRUPT_INPUT', 'The video file has no readable video stream.');
    }
    const v = probe.video;
    return {
      kind: 'video',
      mime,
      width: v.width,
      height: v.height,
      duration: v.duration ?? probe.duration,
      fps: v.fps,
      metadata: {
        video: {
          codec: v.codec,
          frameCount: v.frameCount,
          variableFrameRate: v.variableFrameRate,
          rateFraction: v.rateFraction,
          pixFmt: v.pixFmt,
        },
        audioStreams: probe.audio.map((a) => ({ codec: a.codec, sampleRate: a.sampleRate, channels: a.channels })),
        subtitleStreams: probe.subtitleStreams,
        container: probe.formatName,
      },
    };
  }
  if (!probe.audio.length) throw new MediaLabError('CORRUPT_INPUT', 'The audio file has no readable audio stream.');
  return audioFacts(probe, mime);
}

function audioFacts(probe: Awaited<ReturnType<typeof probeMedia>>, mime: string): MediaFacts {
  const a = probe.audio[0];
  return {
    kind: 'audio',
    mime,
    duration: a.duration ?? probe.duration,
    sampleRate: a.sampleRate,
    metadata: { codec: a.codec, channels: a.channels, container: probe.formatName },
  };
}
