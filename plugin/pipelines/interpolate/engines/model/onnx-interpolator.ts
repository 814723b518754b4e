// A frame-pair interpolator backed by a user-supplied ONNX model (for example a RIFE export),
// run with onnxruntime-node on the CPU. Loaded lazily so other modes never touch the native module.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { MediaLabError } from '../../../../core/errors.js';
import type { ModelOptions } from '../../options.js';
import { planarToRgb, rgbToPlanar, tensorGeometry } from './frame-tensor.js';

export interface FramePairInterpolator {
  readonly name: string;
  /** The frame at time t (0 < t < 1) between two RGB24 frames of the size given at load. */
  interpolate(frame0: Uint8Array, frame1: Uint8Array, t: number): Promise<Buffer>;
  release(): Promise<void>;
}

type OrtModule = typeof import('onnxruntime-node');

async function loadOrt(): Promise<OrtModule> {
  const mod = (await import('onnxruntime-node')) as OrtModule & { default?: OrtModule };
  // The package is CommonJS: depending on the loader its API sits on the namespace or on default.
  return mod.InferenceSession ? mod : (mod.default as OrtModule);
}

function unavailable(message: string, cause?: unknown): MediaLabError {
  return new MediaLabError('MODEL_UNAVAILABLE', message, { cause });
}

export function modelName(model: ModelOptions): string {
  return model.name ?? basename(model.file);
}

export async function loadOnnxInterpolator(model: ModelOptions, size: { width: number; height: number }): Promise<FramePairInterpolator> {
  const name = modelName(model);
  if (!existsSync(model.file)) throw unavailable(`The interpolation model file does not exist: ${model.file}`);
  const ort = await loadOrt();
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(model.file, {
      intraOpNumThreads: model.threads,
      interOpNumThreads: 1,
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      // Errors only, as the enhance sessions: onnxruntime's warnings about a model's graph are
      // not the user's to act on, and a session that cannot load throws with the reason.
      logSeverityLevel: 3,
    });
  } catch (error) {
    throw unavailable(`The interpolation model ${name} could not be loaded: ${(error as Error).message}`, error);
  }
  const { frame0, frame1, timestep } = model.inputNames;
  const wanted = [frame0, frame1, ...(timestep ? [timestep] : [])];
  const missing = wanted.filter((n) => !session.inputNames.includes(n));
  if (missing.length) {
    await session.release();
    throw unavailable(
      `The interpolation model ${name} has no input named ${missing.join(', ')}; its inputs are ${session.inputNames.join(', ')}. ` +
        'Set inputNames in the interpolate model options.',
    );
  }
  const outputName = model.outputName ?? session.outputNames[0];
  if (!session.outputNames.includes(outputName)) {
    await session.release();
    throw unavailable(`The interpolation model ${name} has no output named ${outputName}; its outputs are ${session.outputNames.join(', ')}.`);
  }
  const geometry = tensorGeometry(size.width, size.height, model.padMultiple, model.pixelRange);
  const frameDims = [1, 3, geometry.paddedHeight, geometry.paddedWidth];
  // Each source frame is the second of one pair and the first of the next (and of every step
  // between them): convert it once. Entries go away with the frame buffers.
  const planes = new WeakMap<Uint8Array, Float32Array>();
  const planar = (frame: Uint8Array): Float32Array => {
    let data = planes.get(frame);
    if (!data) {
      data = rgbToPlanar(frame, geometry);
      planes.set(frame, data);
    }
    return data;
  };

  function timestepTensor(t: number): Tensor {
    if (model.timestepLayout === 'map') {
      return new ort.Tensor('float32', new Float32Array(geometry.paddedWidth * geometry.paddedHeight).fill(t), [1, 1, geometry.paddedHeight, geometry.paddedWidth]);
    }
    return new ort.Tensor('float32', Float32Array.of(t), model.timestepLayout === 'broadcast' ? [1, 1, 1, 1] : [1]);
  }

  return {
    name,
    async interpolate(a: Uint8Array, b: Uint8Array, t: number): Promise<Buffer> {
      if (!timestep && Math.abs(t - 0.5) > 1e-9) {
        throw unavailable(`The interpolation model ${name} has no time-step input, so it can only make midpoints (2x targets).`);
      }
      const feeds: Record<string, Tensor> = {
        [frame0]: new ort.Tensor('float32', planar(a), frameDims),
        [frame1]: new ort.Tensor('float32', planar(b), frameDims),
      };
      if (timestep) feeds[timestep] = timestepTensor(t);
      let result: InferenceSession.OnnxValueMapType;
      try {
        result = await session.run(feeds, [outputName]);
      } catch (error) {
        throw unavailable(`The interpolation model ${name} failed on a ${size.width}x${size.height} frame pair: ${(error as Error).message}`, error);
      }
      const output = result[outputName] as Tensor;
      if (output.type !== 'float32' || output.data.length !== frameDims.reduce((x, y) => x * y, 1)) {
        throw unavailable(`The interpolation model ${name} returned ${output.type} ${JSON.stringify(output.dims)}; expected float32 ${JSON.stringify(frameDims)}.`);
      }
      return planarToRgb(output.data as Float32Array, geometry);
    },
    release: () => session.release(),
  };
}

