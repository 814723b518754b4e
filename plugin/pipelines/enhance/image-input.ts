// Reads what the pipeline needs from an input image without trusting it: the format must be
// one we accept, the pixel count under the limit, and the file must decode completely. All of
// this happens before any model work starts.
import sharp from 'sharp';
import { MediaLabError } from '../../core/errors.js';

export const ACCEPTED_FORMATS = ['png', 'jpeg', 'webp', 'avif', 'tiff'] as const;
export type AcceptedFormat = (typeof ACCEPTED_FORMATS)[number];

export interface ImageFacts {
  format: AcceptedFormat;
  /** Size after EXIF orientation is applied. */
  width: number;
  height: number;
  hasAlpha: boolean;
  /** True for greyscale inputs, which are upscaled in RGB and written back as greyscale. */
  greyscale: boolean;
  /** EXIF orientation tag (1..8), 1 when absent. */
  orientation: number;
  /** The embedded ICC profile when it describes RGB or grey data (so the output can keep it). */
  icc: Buffer | null;
}

export interface DecodedImage {
  /** sRGB, 8 bits, 3 channels, row-major, orientation applied. */
  rgb: Buffer;
  width: number;
  height: number;
  /**
   * The alpha plane (8 bits, oriented like `rgb`) when the image has one that is not fully
   * opaque. An opaque alpha channel (common in PNG exports) carries nothing to upscale: it is
   * null then, and the output gets an opaque channel back without any resizing.
   */
  alpha: Buffer | null;
}

const FORMAT_HELP = 'Upload a PNG, JPEG, WebP, AVIF or TIFF image.';

export async function probeImage(file: string, maxInputPixels: number): Promise<ImageFacts> {
  let metadata: sharp.Metadata;
  try {
    metadata = await sharp(file, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new MediaLabError('UNSUPPORTED_FORMAT', `The input is not a readable image (${shortReason(error)}). ${FORMAT_HELP}`, { cause: error });
  }
  const format = acceptedFormat(metadata);
  if (!format) {
    throw new MediaLabError('UNSUPPORTED_FORMAT', `Images in ${describeFormat(metadata)} format cannot be enhanced. ${FORMAT_HELP}`);
  }
  const storedWidth = metadata.width ?? 0;
  const storedHeight = metadata.height ?? 0;
  if (storedWidth <= 0 || storedHeight <= 0) throw new MediaLabError('UNSUPPORTED_FORMAT', `The ${format} image has no size; the file is damaged. ${FORMAT_HELP}`);
  const pixels = storedWidth * storedHeight;
  if (pixels > maxInputPixels) {
    throw new MediaLabError('INPUT_TOO_LARGE', `The image is ${storedWidth} x ${storedHeight} (${megapixels(pixels)}), above the ${megapixels(maxInputPixels)} limit for enhancing. Downscale or crop it first.`);
  }
  const orientation = metadata.orientation ?? 1;
  const swapsAxes = orientation >= 5 && orientation <= 8;
  const space = metadata.space ?? 'srgb';
  const keepsProfile = space === 'srgb' || space === 'rgb' || space === 'rgb16' || space === 'b-w' || space === 'grey16';
  return {
    format,
    width: swapsAxes ? storedHeight : storedWidth,
    height: swapsAxes ? storedWidth : storedHeight,
    hasAlpha: metadata.hasAlpha === true,
    greyscale: space === 'b-w' || space === 'grey16',
    orientation,
    icc: keepsProfile && metadata.icc ? metadata.icc : null,
  };
}

/**
 * Decodes the whole image to sRGB (alpha split off): a corrupt or truncated file fails here,
 * before any tile runs. One decode serves both the colour and the alpha pipeline.
 */
export async function decodeRgb(file: string, maxInputPixels: number): Promise<DecodedImage> {
  let decoded: { data: Buffer; info: sharp.OutputInfo };
  try {
    decoded = await sharp(file, { limitInputPixels: maxInputPixels })
      .autoOrient()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (decoded.info.channels !== 3 && decoded.info.channels !== 4) throw new Error(`decoded to ${decoded.info.channels} channels`);
  } catch (error) {
    throw new MediaLabError('UNSUPPORTED_FORMAT', `The image could not be decoded; the file is damaged or truncated (${shortReason(error)}). ${FORMAT_HELP}`, { cause: error });
  }
  const { data, info } = decoded;
  if (info.channels === 3) return { rgb: data, width: info.width, height: info.height, alpha: null };
  return { ...splitAlpha(data, info.width * info.height), width: info.width, height: info.height };
}

/** RGBA to RGB plus an alpha plane; the plane is dropped when every pixel is opaque. */
function splitAlpha(rgba: Buffer, pixels: number): { rgb: Buffer; alpha: Buffer | null } {
  const rgb = Buffer.allocUnsafe(pixels * 3);
  const alpha = Buffer.allocUnsafe(pixels);
  let opaque = 255;
  for (let pixel = 0, source = 0, target = 0; pixel < pixels; pixel++, source += 4, target += 3) {
    rgb[target] = rgba[source]!;
    rgb[target + 1] = rgba[source + 1]!;
    rgb[target + 2] = rgba[source + 2]!;
    const value = rgba[source + 3]!;
    alpha[pixel] = value;
    opaque &= value;
  }
  return { rgb, alpha: opaque === 255 ? null : alpha };
}

/** Reads every pixel without keeping them (sharp streams): proves the file is not truncated. */
export async function assertDecodable(file: string, maxInputPixels: number): Promise<void> {
  try {
    await sharp(file, { limitInputPixels: maxInputPixels }).stats();
  } catch (error) {
    throw new MediaLabError('UNSUPPORTED_FORMAT', `The image could not be decoded; the file is damaged or truncated (${shortReason(error)}). ${FORMAT_HELP}`, { cause: error });
  }
}

/** A decoded alpha plane resized on its own (as a grey image) with Lanczos. */
export async function resizedAlpha(alpha: Buffer, size: { width: number; height: number }, width: number, height: number): Promise<Buffer> {
  // Kept apart from the colour pipeline on purpose: resizing RGBA in sharp premultiplies RGB.
  return sharp(alpha, { raw: { width: size.width, height: size.height, channels: 1 } })
    .resize(width, height, { kernel: 'lanczos3', fit: 'fill' })
    .raw()
    .toBuffer();
}

function acceptedFormat(metadata: sharp.Metadata): AcceptedFormat | null {
  switch (metadata.format) {
    case 'png':
    case 'jpeg':
    case 'webp':
    case 'tiff':
      return metadata.format;
    case 'heif':
      // HEIF is a container: only its AV1 flavour (AVIF) is accepted.
      return metadata.compression === 'av1' ? 'avif' : null;
    default:
      return null;
  }
}

function describeFormat(metadata: sharp.Metadata): string {
  if (metadata.format === 'heif') return `HEIF (${metadata.compression ?? 'unknown'})`;
  return String(metadata.format ?? 'an unknown').toUpperCase();
}

function megapixels(pixels: number): string {
  return `${(pixels / 1e6).toFixed(1)} megapixels`;
}

function shortReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.replace(/^Input (file|buffer) /, '').slice(0, 200);
}
