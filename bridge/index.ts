// The ComfyUI bridge's public API: client, pool, presets. Knows nothing of HTTP routes or the
// database (the DB-backed registry and the executor live in plugin/pipelines/comfy).
export * from './types.js';
export { comfyOptionsSchema, backendSchema, backendsFromUrlList, defaultPresetsDir, type ComfyOptions, type ComfyOptionsInput, type BackendConfig } from './options.js';
export { ComfyClient, type ComfyClientSettings, type WatchOptions, type CancelResult } from './client/comfy-client.js';
export { ComfyHttp, type SubmitOptions, type UploadOptions } from './client/http.js';
export { ComfySocket, type ReconnectSettings } from './client/socket.js';
export { PromptWatch } from './client/prompt-watch.js';
export { PromptTracker, outcomeFromHistory, nodeWeight } from './client/prompt-tracker.js';
export { parseBinaryFrame } from './client/binary-frames.js';
export { NodeCatalog, normaliseInputSpec, normaliseNodeClass } from './client/object-info.js';
export { backoffDelay } from './client/backoff.js';
export { BackendPool, loadOf, type Backend, type BackendStatus, type Logger } from './pool/backend-pool.js';
export { ComfyUnreachableError, ComfyRejectedError, ComfyExecutionError, ComfyLostError, describeRejection } from './errors.js';
export { buildPresetDefinition, PresetInvalidError, type PresetInput, type BuiltPreset } from './presets/definition.js';
export { compilePrompt, PresetCompileError, type CompileInput, type CompiledPrompt } from './presets/compile.js';
export { inferParameters, inferKind, MEDIALAB_INPUT_CLASSES } from './presets/infer.js';
export { resolveParams, describeParameter, parametersJsonSchema, SEED_LIMIT } from './presets/params.js';
export { presetHash, canonicalJson } from './presets/hash.js';
export { diffPresets, type PresetDiff } from './presets/diff.js';
export { checkApiWorkflow, checkDefinition, checkAgainstCatalog } from './presets/validate.js';
export { loadPresetFolder, scanPresetsDir, watchPresetsDir, WORKFLOW_FILE, MANIFEST_FILE } from './presets/files.js';
export { manifestSchema, parameterSpecSchema, PRESET_KINDS } from './presets/manifest.js';
export { compileExpression } from './presets/expression.js';
