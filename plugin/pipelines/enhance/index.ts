// Public surface of the enhance pipeline (local upscaling).
export { createEnhanceKind } from './kind.js';
export type { EnhanceKind, EnhanceKindInternals } from './kind.js';
export { enhanceOptionsSchema, customModelSchema } from './options.js';
export type { EnhanceOptions, EnhanceOptionsInput, CustomModelOption, ExecutionProviderName } from './options.js';
export { enhanceParamsSchema, QUALITY_PRESETS } from './params.js';
export type { EnhanceParams, QualityPreset } from './params.js';
export { describeEnhancePresets } from './presets.js';
export type { PresetStatus, PresetModelInfo } from './presets.js';
