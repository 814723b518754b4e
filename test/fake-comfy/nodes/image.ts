// Model-free image nodes, executed for real with sharp: LoadImage, EmptyImage, ImageBlend,
// ImageScaleBy, ImageScale, ImageInvert, SaveImage, PreviewImage, SaveImageWebsocket.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { bytesToFrame, frameToBytes, isImage, solidFrame, type ImageFrame, type ImageValue } from '../values.js';
import { fileIn, numbered, randomTempPrefix, saveImagePath } from './save-path.js';
import { NodeException, type NodeImpl, type NodeRunContext } from './types.js';

function imageInput(ctx: NodeRunContext, name: string): ImageValue {
  const value = ctx.inputs[name];
  if (!isImage(value)) throw new NodeException('TypeError', `input ${name} is not an IMAGE`);
  return value;
}

/** "name.png [input]" or "sub/name.png" -> a path in the input folder. */
export function annotatedInputPath(inputDir: string, value: string): string {
  const name = value.replace(/\s*\[(input|output|temp)\]$/, '');
  return join(inputDir, name);
}

export async function frameFromFile(path: string): Promise<ImageFrame> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return bytesToFrame(info.width, info.height, data, info.channels);
}

export async function framePng(frame: ImageFrame): Promise<Buffer> {
  return sharp(frameToBytes(frame), { raw: { width: frame.width, height: frame.height, channels: 3 } }).png().toBuffer();
}

const KERNELS: Record<string, keyof sharp.KernelEnum> = {
  'nearest-exact': 'nearest',
  bilinear: 'linear',
  area: 'mitchell',
  bicubic: 'cubic',
  lanczos: 'lanczos3',
};

async function resizeFrame(frame: ImageFrame, width: number, height: number, method: string, fit: 'fill' | 'cover' = 'fill'): Promise<ImageFrame> {
  const { data, info } = await sharp(frameToBytes(frame), { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .resize(Math.max(1, width), Math.max(1, height), { kernel: KERNELS[method] ?? 'lanczos3', fit, position: 'centre' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return bytesToFrame(info.width, info.height, data, info.channels);
}

type BlendFn = (a: number, b: number) => number;
const BLEND_MODES: Record<string, BlendFn> = {
  normal: (_a, b) => b,
  multiply: (a, b) => a * b,
  screen: (a, b) => 1 - (1 - a) * (1 - b),
  overlay: (a, b) => (a <= 0.5 ? 2 * a * b : 1 - 2 * (1 - a) * (1 - b)),
  soft_light: (a, b) => {
    const g = a <= 0.25 ? ((16 * a - 12) * a + 4) * a : Math.sqrt(a);
    return b <= 0.5 ? a - (1 - 2 * b) * a * (1 - a) : a + (2 * b - 1) * (g - a);
  },
  difference: (a, b) => a - b,
};

/** Batches broadcast like torch: equal sizes, or one of them is 1. */
function pairBatches(a: ImageValue, b: ImageValue): Array<[ImageFrame, ImageFrame]> {
  const na = a.frames.length;
  const nb = b.frames.length;
  if (na !== nb && na !== 1 && nb !== 1) {
    throw new NodeException(
      'RuntimeError',
      `The size of tensor a (${na}) must match the size of tensor b (${nb}) at non-singleton dimension 0\n`,
    );
  }
  const n = Math.max(na, nb);
  return Array.from({ length: n }, (_, i) => [a.frames[Math.min(i, na - 1)], b.frames[Math.min(i, nb - 1)]]);
}

const loadImage: NodeImpl = async (ctx) => {
  const path = annotatedInputPath(ctx.dirs.input, String(ctx.inputs.image));
  if (!existsSync(path)) throw new NodeException('FileNotFoundError', `[Errno 2] No such file or directory: '${path}'\n`);
  const frame = await frameFromFile(path);
  const mask = { kind: 'token', type: 'MASK', data: { width: frame.width, height: frame.height } };
  return { outputs: [{ kind: 'image', frames: [frame] } satisfies ImageValue, mask] };
};

const emptyImage: NodeImpl = (ctx) => {
  const color = Number(ctx.inputs.color ?? 0);
  const rgb: [number, number, number] = [((color >> 16) & 0xff) / 255, ((color >> 8) & 0xff) / 255, (color & 0xff) / 255];
  const frames = Array.from({ length: Number(ctx.inputs.batch_size ?? 1) }, () =>
    solidFrame(Number(ctx.inputs.width), Number(ctx.inputs.height), rgb),
  );
  return { outputs: [{ kind: 'image', frames } satisfies ImageValue] };
};

const imageBlend: NodeImpl = async (ctx) => {
  const image1 = imageInput(ctx, 'image1');
  let image2 = imageInput(ctx, 'image2');
  const factor = Number(ctx.inputs.blend_factor);
  const mode = BLEND_MODES[String(ctx.inputs.blend_mode)] ?? BLEND_MODES.normal;
  pairBatches(image1, image2); // a batch mismatch fails before any work, like torch
  const first = image1.frames[0];
  if (image2.frames.some((f) => f.width !== first.width || f.height !== first.height)) {
    // ComfyUI rescales image2 to image1's size (bicubic, centre crop)
    image2 = { kind: 'image', frames: await Promise.all(image2.frames.map((f) => resizeFrame(f, first.width, first.height, 'bicubic', 'cover'))) };
  }
  const resized = pairBatches(image1, image2);
  const frames = resized.map(([a, b]) => {
    const data = new Float32Array(a.data.length);
    for (let i = 0; i < data.length; i++) {
      const blended = mode(a.data[i], b.data[i]);
      data[i] = a.data[i] * (1 - factor) + blended * factor;
    }
    return { width: a.width, height: a.height, data };
  });
  return { outputs: [{ kind: 'image', frames } satisfies ImageValue] };
};

const imageScaleBy: NodeImpl = async (ctx) => {
  const image = imageInput(ctx, 'image');
  const scale = Number(ctx.inputs.scale_by);
  const method = String(ctx.inputs.upscale_method);
  const frames = await Promise.all(
    image.frames.map((f) => resizeFrame(f, Math.round(f.width * scale), Math.round(f.height * scale), method)),
  );
  return { outputs: [{ kind: 'image', frames } satisfies ImageValue] };
};

const imageScale: NodeImpl = async (ctx) => {
  const image = imageInput(ctx, 'image');
  const method = String(ctx.inputs.upscale_method);
  const crop = String(ctx.inputs.crop) === 'center' ? 'cover' : 'fill';
  const frames = await Promise.all(
    image.frames.map((f) => {
      let width = Number(ctx.inputs.width);
      let height = Number(ctx.inputs.height);
      if (width === 0 && height === 0) return f;
      if (width === 0) width = Math.round((f.width * height) / f.height);
      if (height === 0) height = Math.round((f.height * width) / f.width);
      return resizeFrame(f, width, height, method, crop);
    }),
  );
  return { outputs: [{ kind: 'image', frames } satisfies ImageValue] };
};

const imageInvert: NodeImpl = (ctx) => {
  const image = imageInput(ctx, 'image');
  const frames = image.frames.map((f) => ({ ...f, data: f.data.map((v) => 1 - v) }));
  return { outputs: [{ kind: 'image', frames } satisfies ImageValue] };
};

async function writeImages(ctx: NodeRunContext, prefix: string, outDir: string, type: 'output' | 'temp') {
  const images = imageInput(ctx, 'images');
  const path = saveImagePath(prefix, outDir);
  const files = [];
  let counter = path.counter;
  for (const [batch, frame] of images.frames.entries()) {
    const name = numbered(path.filename.replace('%batch_num%', String(batch)), counter++, 'png');
    await sharp(await framePng(frame)).toFile(fileIn(path.folder, name));
    files.push({ filename: name, subfolder: path.subfolder, type });
  }
  return { ui: { images: files } };
}

const saveImage: NodeImpl = (ctx) => writeImages(ctx, String(ctx.inputs.filename_prefix ?? 'ComfyUI'), ctx.dirs.output, 'output');
const previewImage: NodeImpl = (ctx) => writeImages(ctx, randomTempPrefix(), ctx.dirs.temp, 'temp');

const saveImageWebsocket: NodeImpl = async (ctx) => {
  const images = imageInput(ctx, 'images');
  for (const frame of images.frames) ctx.sendPreview(await framePng(frame));
  return { ui: {} };
};

export const imageNodes: Record<string, NodeImpl> = {
  LoadImage: loadImage,
  EmptyImage: emptyImage,
  ImageBlend: imageBlend,
  ImageScaleBy: imageScaleBy,
  ImageScale: imageScale,
  ImageInvert: imageInvert,
  SaveImage: saveImage,
  PreviewImage: previewImage,
  SaveImageWebsocket: saveImageWebsocket,
};
