// Converts an npm TFJS layers model to ONNX once and keeps the result on disk, keyed by the
// source weights' hash and the converter version: a changed package or converter re-converts.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CONVERTER_VERSION, convertLayersModelToOnnx } from './layers-to-onnx.js';
import { hashLayersModelSource, readTfjsLayersModel } from './tfjs-layers-model.js';

export interface ConversionRequest {
  /** Short model name, used in the cache file name. */
  name: string;
  /** Human-readable origin, stored in the ONNX metadata. */
  source: string;
  modelJsonPath: string;
  /** Called when the cache misses and the conversion itself starts (first use of a model). */
  onConvert?: () => void;
}

export interface CachedConversion {
  onnxPath: string;
  sourceHash: string;
  scale: number;
  receptiveRadius: number;
  /** False when this call converted it. */
  fromCache: boolean;
}

interface Sidecar {
  sourceHash: string;
  scale: number;
  receptiveRadius: number;
  converterVersion: string;
}

export async function convertWithCache(request: ConversionRequest, cacheDir: string): Promise<CachedConversion> {
  const sourceHash = await hashLayersModelSource(request.modelJsonPath);
  const base = path.join(cacheDir, `${safeName(request.name)}-${sourceHash.slice(0, 16)}-c${CONVERTER_VERSION}`);
  const onnxPath = `${base}.onnx`;
  const sidecarPath = `${base}.json`;

  const cached = await readSidecar(sidecarPath);
  if (cached?.sourceHash === sourceHash && cached.converterVersion === CONVERTER_VERSION) {
    return { onnxPath, sourceHash, scale: cached.scale, receptiveRadius: cached.receptiveRadius, fromCache: true };
  }

  request.onConvert?.();
  const model = await readTfjsLayersModel(request.modelJsonPath);
  const converted = convertLayersModelToOnnx(model, { 'media_lab.source': request.source });
  await mkdir(cacheDir, { recursive: true });
  // The sidecar is written last: its presence means the ONNX file beside it is complete.
  await writeAtomically(onnxPath, converted.onnx);
  const sidecar: Sidecar = {
    sourceHash: model.sourceHash,
    scale: converted.scale,
    receptiveRadius: converted.receptiveRadius,
    converterVersion: CONVERTER_VERSION,
  };
  await writeAtomically(sidecarPath, JSON.stringify(sidecar, null, 2));
  return { onnxPath, sourceHash: model.sourceHash, scale: converted.scale, receptiveRadius: converted.receptiveRadius, fromCache: false };
}

async function readSidecar(sidecarPath: string): Promise<Sidecar | null> {
  try {
    return JSON.parse(await readFile(sidecarPath, 'utf8')) as Sidecar;
  } catch {
    return null;
  }
}

/** Several workers may convert at once: each writes its own temp file, the rename is atomic. */
async function writeAtomically(target: string, data: Uint8Array | string): Promise<void> {
  const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, data);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

function safeName(name: string): string {
  return name.replace(/[^a-zA-Z0-9._-]+/g, '_');
}
