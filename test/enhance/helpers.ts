// Test images made on the fly (no binary fixtures) and a shared model cache, so converted
// models survive between test runs.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { MediaLabError } from '../../plugin/core/errors.js';

export const TEST_MODEL_CACHE = path.join(os.tmpdir(), 'media-lab-enhance-test-models');

/** Deterministic photo-like RGB: smooth gradients, a few hard edges and some texture. */
export function photoLikeRgb(width: number, height: number, seed = 1): Buffer {
  const data = Buffer.alloc(width * height * 3);
  let state = seed;
  const noise = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return (state / 0x7fffffff - 0.5) * 24;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const index = (y * width + x) * 3;
      const inDisc = (x - width * 0.6) ** 2 + (y - height * 0.4) ** 2 < (Math.min(width, height) * 0.25) ** 2;
      const stripe = Math.floor(x / 6) % 2 === 0 && y > height * 0.7;
      const base = [
        90 + 80 * Math.sin(x / 9) * Math.cos(y / 13),
        120 + (60 * y) / height,
        inDisc ? 220 : 60 + (100 * x) / width,
      ];
      for (let channel = 0; channel < 3; channel++) {
        data[index + channel] = clampByte(base[channel]! + (stripe ? 70 : 0) + noise());
      }
    }
  }
  return data;
}

export function rawImage(width: number, height: number, seed = 1): sharp.Sharp {
  return sharp(photoLikeRgb(width, height, seed), { raw: { width, height, channels: 3 } });
}

export async function writeTemp(directory: string, name: string, bytes: Buffer): Promise<string> {
  const file = path.join(directory, name);
  await writeFile(file, bytes);
  return file;
}

export async function sha256File(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

/** A PNG whose header claims `width` x `height` but whose data is a few bytes: a decompression bomb's shape. */
export function pngClaiming(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.alloc(64))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export function isMediaLabError(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof MediaLabError, `expected a MediaLabError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  };
}

function clampByte(value: number): number {
  return Math.max(0, Math.min(255, Math.round(value)));
}
