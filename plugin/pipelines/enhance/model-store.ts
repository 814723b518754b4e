// Turns "preset + wanted scale" into a model ready to run: converts npm weights to ONNX on
// first use (cached on disk), checks custom ONNX models and detects their scale. Each model
// is prepared once per process.
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { MediaLabError } from '../../core/errors.js';
import { convertWithCache } from './converter/converted-model-cache.js';
import { hashLayersModelSource } from './converter/tfjs-layers-model.js';
import { FileHashes, fileSignature } from '../../media/file-hashes.js';
import type { PreparedModel } from './model-types.js';
import type { NpmModelFamily, PackageLocator } from './npm-model-packages.js';
import { scalesInPackage } from './npm-model-packages.js';
import type { CustomModelOption, EnhanceOptions, ModelPreset } from './options.js';
import { NPM_MODEL_FAMILIES, customModelsOf } from './presets.js';
import type { SessionPool } from './session-pool.js';

/**
 * Tiles keep at most this much context. The thick model "sees" 154 px, but measured, pixels
 * beyond 16 px change its output by less than 0.01/255.
 */
const MAX_TILE_CONTEXT = 16;
const PROBE_SIZE = 32;
/** Unknown architectures: assume a Real-ESRGAN-sized network (23 RRDB blocks, 64 features). */
const CUSTOM_MODEL_BYTES_PER_PIXEL = 12_000;

/** The model a preset would run now, for lineage: the same source and hash as a job records. */
export type CurrentModel = { source: string; sha256: string } | { source: string; sha256: null };

export class ModelStore {
  private readonly prepared = new Map<string, Promise<PreparedModel>>();
  /** The size and mtime a custom model file had when it was prepared: a changed file is prepared again. */
  private readonly customSignatures = new Map<string, string>();
  /** File hashes by path, valid while size and mtime stay the same. */
  private readonly hashes = new FileHashes();
  /** Sources being converted now, and who wants to hear when a conversion starts. */
  private readonly converting = new Set<string>();
  private readonly convertListeners = new Map<string, Set<() => void>>();

  constructor(
    private readonly options: EnhanceOptions,
    private readonly pool: SessionPool,
    private readonly locate: PackageLocator,
  ) {}

  /**
   * The preset's model whose scale is nearest to `targetScale` (ties go to the larger scale).
   * `onConvert` hears when the model has to be converted first (its first use on this server),
   * also when another job started that conversion and this one waits for it.
   */
  async forPreset(preset: ModelPreset, targetScale: number, onConvert?: () => void): Promise<PreparedModel> {
    const custom = customModelsOf(preset, this.options);
    if (custom.length > 0) {
      const usable = custom.filter((model) => existsSync(model.file));
      if (usable.length === 0) throw unavailable(`the custom model file ${custom[0]!.file} does not exist`);
      await Promise.all(usable.map((model) => this.forgetIfChanged(model.file)));
      const models = await Promise.all(usable.map((model) => this.once(`custom:${model.file}`, () => this.prepareCustom(model))));
      return models.reduce((best, model) => (isNearer(model.scale, best.scale, targetScale) ? model : best));
    }

    const family = NPM_MODEL_FAMILIES[preset];
    const located = this.locate(family.packageName);
    if (!located) throw unavailable(`the package ${family.packageName} is not installed (npm install ${family.packageName})`);
    const scales = scalesInPackage(located);
    if (scales.length === 0) throw unavailable(`${family.packageName} ships no models`);
    const chosen = scales.reduce((best, entry) => (isNearer(entry.scale, best.scale, targetScale) ? entry : best));
    const source = `${family.packageName}@${located.version} x${chosen.scale}`;
    const prepare = () => this.prepareNpm(family, source, chosen.scale, chosen.modelJsonPath);
    const listeners = this.convertListeners.get(source) ?? new Set<() => void>();
    this.convertListeners.set(source, listeners);
    if (onConvert) {
      listeners.add(onConvert);
      if (this.converting.has(source)) onConvert();
    }
    try {
      const model = await this.once(source, prepare);
      if (existsSync(model.onnxPath)) return model;
      // Someone cleaned the cache folder since: convert again.
      this.prepared.delete(source);
      return await this.once(source, prepare);
    } finally {
      if (onConvert) listeners.delete(onConvert);
    }
  }

  /**
   * The model a preset would run now for a job that recorded `recordedSource` (lineage compares
   * its hash with the recorded one). null when the preset cannot run here (nothing to compare).
   */
  async currentModel(preset: ModelPreset, targetScale: number, recordedSource: string): Promise<CurrentModel | null> {
    const custom = customModelsOf(preset, this.options);
    if (custom.length > 0) {
      const same = custom.find((model) => `custom:${model.file}` === recordedSource);
      if (!same) return { source: custom.map((model) => `custom:${model.file}`).join(', '), sha256: null };
      if (!existsSync(same.file)) return null;
      return { source: recordedSource, sha256: (await this.hashes.of(same.file)).sha256 };
    }
    const family = NPM_MODEL_FAMILIES[preset];
    const located = this.locate(family.packageName);
    const scales = located ? scalesInPackage(located) : [];
    if (!located || scales.length === 0) return null;
    const chosen = scales.reduce((best, entry) => (isNearer(entry.scale, best.scale, targetScale) ? entry : best));
    const source = `${family.packageName}@${located.version} x${chosen.scale}`;
    if (source !== recordedSource) return { source, sha256: null };
    return { source, sha256: (await this.hashes.of(chosen.modelJsonPath, hashLayersModelSource)).sha256 };
  }

  /** A custom model file changed on disk since it was prepared: prepare it again, with a fresh session. */
  private async forgetIfChanged(file: string): Promise<void> {
    const signature = await fileSignature(file);
    const before = this.customSignatures.get(file);
    this.customSignatures.set(file, signature);
    if (before === undefined || before === signature) return;
    this.prepared.delete(`custom:${file}`);
    this.pool.forget(file);
  }

  private once(key: string, prepare: () => Promise<PreparedModel>): Promise<PreparedModel> {
    let pending = this.prepared.get(key);
    if (!pending) {
      pending = prepare();
      this.prepared.set(key, pending);
      pending.catch(() => this.prepared.delete(key));
    }
    return pending;
  }

  private async prepareNpm(family: NpmModelFamily, source: string, scale: number, modelJsonPath: string): Promise<PreparedModel> {
    try {
      const onConvert = () => {
        this.converting.add(source);
        for (const listener of this.convertListeners.get(source) ?? []) listener();
      };
      const converted = await convertWithCache({ name: `${family.name}-x${scale}`, source, modelJsonPath, onConvert }, this.options.modelCacheDir).finally(() => this.converting.delete(source));
      return {
        name: family.name,
        source,
        sha256: converted.sourceHash,
        bytes: (await stat(converted.onnxPath)).size,
        onnxPath: converted.onnxPath,
        scale: converted.scale,
        range: family.range,
        tileContext: Math.min(converted.receptiveRadius, MAX_TILE_CONTEXT),
        bytesPerInputPixel: family.bytesPerInputPixel,
      };
    } catch (error) {
      throw unavailable(`converting ${source} to ONNX failed: ${error instanceof Error ? error.message : String(error)}`, error);
    }
  }

  private async prepareCustom(model: CustomModelOption): Promise<PreparedModel> {
    const [{ sha256, bytes }, scale] = await Promise.all([this.hashes.of(model.file), this.detectScale(model)]);
    return {
      name: model.name,
      source: `custom:${model.file}`,
      sha256,
      bytes,
      onnxPath: model.file,
      scale,
      range: model.range,
      tileContext: model.tileContext,
      bytesPerInputPixel: CUSTOM_MODEL_BYTES_PER_PIXEL,
    };
  }

  /** Runs a small blank image through the model: output size / input size is its scale. */
  private async detectScale(model: CustomModelOption): Promise<number> {
    const probe = new ort.Tensor('float32', new Float32Array(3 * PROBE_SIZE * PROBE_SIZE), [1, 3, PROBE_SIZE, PROBE_SIZE]);
    const dims = await this.pool.use(model.file, async ({ session, inputName, outputName }) => {
      try {
        return (await session.run({ [inputName]: probe }))[outputName]!.dims;
      } catch (error) {
        throw unavailable(`the custom model ${model.name} does not accept a 1x3xHxW float image: ${error instanceof Error ? error.message : String(error)}`, error);
      }
    });
    const [, channels, height, width] = dims;
    const scale = (height ?? 0) / PROBE_SIZE;
    if (dims.length !== 4 || channels !== 3 || scale !== (width ?? 0) / PROBE_SIZE || !Number.isInteger(scale) || scale < 1 || scale > 8) {
      throw unavailable(`the custom model ${model.name} maps a 1x3x${PROBE_SIZE}x${PROBE_SIZE} input to [${dims.join('x')}], not to a 1x3 image upscaled by a whole factor from 1 to 8`);
    }
    return scale;
  }
}

function isNearer(candidate: number, current: number, target: number): boolean {
  const candidateDistance = Math.abs(candidate - target);
  const currentDistance = Math.abs(current - target);
  return candidateDistance < currentDistance || (candidateDistance === currentDistance && candidate > current);
}

function unavailable(detail: string, cause?: unknown): MediaLabError {
  return new MediaLabError('MODEL_UNAVAILABLE', `The upscaling model is unavailable: ${detail}.`, { cause });
}
