// The quality presets, which engine and model each uses, and whether it can run here.
import { existsSync } from 'node:fs';
import type { CustomModelOption, EnhanceOptions, EnhanceOptionsInput, ModelPreset } from './options.js';
import { enhanceOptionsSchema } from './options.js';
import type { NpmModelFamily, PackageLocator } from './npm-model-packages.js';
import { locateNpmPackage, scalesInPackage } from './npm-model-packages.js';
import type { QualityPreset } from './params.js';
import { QUALITY_PRESETS } from './params.js';

export const NPM_MODEL_FAMILIES: Record<ModelPreset, NpmModelFamily> = {
  balanced: { name: 'esrgan-slim', packageName: '@upscalerjs/esrgan-slim', range: '0-255', bytesPerInputPixel: 2_000 },
  quality: { name: 'esrgan-medium', packageName: '@upscalerjs/esrgan-medium', range: '0-255', bytesPerInputPixel: 6_800 },
  max: { name: 'esrgan-thick', packageName: '@upscalerjs/esrgan-thick', range: '0-1', bytesPerInputPixel: 3_800 },
};

const PRESET_DESCRIPTIONS: Record<QualityPreset, string> = {
  fast: 'Lanczos resize with light sharpening (sharp): instant, no model.',
  balanced: 'ESRGAN slim: sharper than Lanczos; seconds per megapixel on a CPU.',
  quality: 'ESRGAN medium: more detail, about four times the time of balanced.',
  max: 'ESRGAN thick: the most detail, about twenty times the time of balanced (best with a GPU).',
};

export interface PresetModelInfo {
  name: string;
  /** `@upscalerjs/esrgan-slim@1.0.0`, or `custom:<file>`. */
  source: string;
  /** Scales the model family ships; null for custom models until first use detects them. */
  scales: number[] | null;
}

export interface PresetStatus {
  preset: QualityPreset;
  available: boolean;
  /** Why it is unavailable, and what to do about it. */
  reason?: string;
  engine: 'sharp' | 'onnxruntime';
  description: string;
  models: PresetModelInfo[];
}

export function describePresets(options: EnhanceOptions, locate: PackageLocator = locateNpmPackage): PresetStatus[] {
  return QUALITY_PRESETS.map((preset) => (preset === 'fast' ? fastStatus() : modelPresetStatus(preset, options, locate)));
}

/** Which presets can run here and why not: for the UI and the API. */
export function describeEnhancePresets(options: EnhanceOptionsInput = {}): PresetStatus[] {
  return describePresets(enhanceOptionsSchema.parse(options));
}

export function customModelsOf(preset: ModelPreset, options: EnhanceOptions): CustomModelOption[] {
  return options.customModels.filter((model) => model.preset === preset);
}

function fastStatus(): PresetStatus {
  return { preset: 'fast', available: true, engine: 'sharp', description: PRESET_DESCRIPTIONS.fast, models: [] };
}

function modelPresetStatus(preset: ModelPreset, options: EnhanceOptions, locate: PackageLocator): PresetStatus {
  const base = { preset, engine: 'onnxruntime' as const, description: PRESET_DESCRIPTIONS[preset] };
  const custom = customModelsOf(preset, options);
  if (custom.length > 0) {
    const models = custom.map((model) => ({ name: model.name, source: `custom:${model.file}`, scales: null }));
    const missing = custom.filter((model) => !existsSync(model.file));
    if (missing.length === custom.length) {
      return { ...base, models, available: false, reason: `The custom model file ${missing.map((m) => m.file).join(', ')} does not exist; fix customModels in the Media Lab options.` };
    }
    return { ...base, models, available: true };
  }

  const family = NPM_MODEL_FAMILIES[preset];
  const located = locate(family.packageName);
  if (!located) {
    return {
      ...base,
      models: [],
      available: false,
      reason: `The model package ${family.packageName} is not installed. Install it (npm install ${family.packageName}) or register a custom ONNX model for "${preset}" in the customModels option.`,
    };
  }
  const scales = scalesInPackage(located).map((entry) => entry.scale);
  const models = [{ name: family.name, source: `${family.packageName}@${located.version}`, scales }];
  if (scales.length === 0) {
    return { ...base, models, available: false, reason: `${family.packageName} is installed but ships no models/x*/model.json; reinstall it.` };
  }
  return { ...base, models, available: true };
}
