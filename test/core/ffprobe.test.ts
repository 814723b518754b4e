import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { MediaLabError } from '../../plugin/core/errors.js';
import { probeMedia, readProbe } from '../../plugin/media/ffprobe.js';
import { ffmpegChildren } from '../support/ffmpeg.js';

// The one ffprobe runner that uploads, ComfyUI outputs and interpolation inputs share.
describe('ffprobe runner', () => {
  let dir: string;
  let image: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'media-lab-ffprobe-'));
    image = join(dir, 'frame.png');
    await sharp({ create: { width: 8, height: 6, channels: 3, background: '#336699' } }).png().toFile(image);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads the streams of a file', async () => {
    const raw = await readProbe(image);
    const video = raw.streams?.find((s) => s.codec_type === 'video');
    assert.equal(video?.codec_name, 'png');
    assert.deepEqual([video?.width, video?.height], [8, 6]);
  });

  it('refuses bytes it cannot read with UNSUPPORTED_FORMAT and ffprobe\'s reason', async () => {
    const junk = join(dir, 'junk.mp4');
    await writeFile(junk, 'not a video at all');
    await assert.rejects(probeMedia(junk), (error: unknown) => error instanceof MediaLabError && error.code === 'UNSUPPORTED_FORMAT' && /ffprobe could not read the file: .+/.test((error as Error).message));
  });

  it('on abort, kills ffprobe and has reaped it before rejecting with the abort, not a format error', async () => {
    const controller = new AbortController();
    const probing = probeMedia(image, { signal: controller.signal });
    controller.abort();
    await assert.rejects(probing, (error: unknown) => error instanceof Error && error.name === 'AbortError');
    assert.deepEqual(await ffmpegChildren(), [], 'no ffprobe child (or zombie) left');
  });
});
