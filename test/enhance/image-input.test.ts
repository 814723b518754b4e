// What the enhance pipeline accepts, and how it refuses the rest, before any work.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type sharp from 'sharp';
import { decodeRgb, probeImage } from '../../plugin/pipelines/enhance/image-input.js';
import { isMediaLabError } from '../support/assert.js';
import { pngClaiming, rawImage, writeTemp } from '../support/media.js';

describe('enhance input checks', () => {
  let directory: string;
  before(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'media-lab-enhance-input-'));
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  const encoders: Record<string, (image: sharp.Sharp) => sharp.Sharp> = {
    png: (image) => image.png(),
    jpeg: (image) => image.jpeg(),
    webp: (image) => image.webp(),
    avif: (image) => image.avif(),
    tiff: (image) => image.tiff(),
  };
  for (const [format, encode] of Object.entries(encoders)) {
    it(`accepts ${format.toUpperCase()}`, async () => {
      const file = await writeTemp(directory, `in.${format}`, await encode(rawImage(20, 12)).toBuffer());
      const facts = await probeImage(file, 1_000_000);
      assert.equal(facts.format, format);
      assert.deepEqual([facts.width, facts.height], [20, 12]);
      const decoded = await decodeRgb(file, 1_000_000);
      assert.equal(decoded.rgb.length, 20 * 12 * 3);
    });
  }

  it('reports the displayed size of an EXIF-rotated image', async () => {
    const file = await writeTemp(directory, 'rotated.jpg', await rawImage(20, 12).jpeg().withMetadata({ orientation: 6 }).toBuffer());
    const facts = await probeImage(file, 1_000_000);
    assert.deepEqual([facts.width, facts.height, facts.orientation], [12, 20, 6]);
    const decoded = await decodeRgb(file, 1_000_000);
    assert.deepEqual([decoded.width, decoded.height], [12, 20]);
  });

  it('decodes alpha once: a translucent plane is kept, an opaque one is dropped as carrying nothing', async () => {
    const translucent = Buffer.from(Array.from({ length: 20 * 12 }, (_, index) => index % 256));
    const withAlpha = await writeTemp(directory, 'translucent.png', await rawImage(20, 12).joinChannel(translucent, { raw: { width: 20, height: 12, channels: 1 } }).png().toBuffer());
    const decoded = await decodeRgb(withAlpha, 1_000_000);
    assert.equal(decoded.rgb.length, 20 * 12 * 3);
    assert.deepEqual(decoded.alpha, translucent);
    const { data: colours } = await rawImage(20, 12).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual(decoded.rgb, colours);
    const opaque = await writeTemp(directory, 'opaque.png', await rawImage(20, 12).ensureAlpha(1).png().toBuffer());
    assert.equal((await decodeRgb(opaque, 1_000_000)).alpha, null);
  });

  it('refuses GIF and non-images with UNSUPPORTED_FORMAT and a message naming the accepted formats', async () => {
    const gif = await writeTemp(directory, 'in.gif', await rawImage(8, 8).gif().toBuffer());
    await assert.rejects(probeImage(gif, 1_000_000), (error: unknown) => isMediaLabError('UNSUPPORTED_FORMAT')(error) && /GIF.*PNG, JPEG, WebP, AVIF or TIFF/.test((error as Error).message));
    const text = await writeTemp(directory, 'notes.png', Buffer.from('this is not an image'));
    await assert.rejects(probeImage(text, 1_000_000), isMediaLabError('UNSUPPORTED_FORMAT'));
  });

  it('refuses a truncated file when decoding, with UNSUPPORTED_FORMAT', async () => {
    const whole = await rawImage(64, 64).png({ compressionLevel: 0 }).toBuffer();
    const file = await writeTemp(directory, 'truncated.png', whole.subarray(0, Math.floor(whole.length / 2)));
    await probeImage(file, 1_000_000); // the header alone looks fine
    await assert.rejects(decodeRgb(file, 1_000_000), isMediaLabError('UNSUPPORTED_FORMAT'));
  });

  it('refuses a decompression bomb from its header alone, with INPUT_TOO_LARGE', async () => {
    const file = await writeTemp(directory, 'bomb.png', pngClaiming(100_000, 100_000));
    await assert.rejects(probeImage(file, 25_000_000), (error: unknown) => isMediaLabError('INPUT_TOO_LARGE')(error) && /100000 x 100000/.test((error as Error).message));
  });
});
