// Reads a TensorFlow.js "layers-model" (model.json + binary weight shards) from disk into plain
// data: the Keras layer graph and the float32 weights by name. No tfjs import: production
// installs must not need the 141 MB tfjs peer dependency.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** One reference to another layer's output inside a layer's inbound node list. */
export interface LayerInput {
  layer: string;
  nodeIndex: number;
  tensorIndex: number;
}

export interface KerasLayer {
  className: string;
  name: string;
  /** The layer's Keras config (filters, kernel_size, padding, ...). */
  config: Record<string, unknown>;
  inputs: LayerInput[];
}

export interface WeightTensor {
  shape: number[];
  values: Float32Array;
}

export interface TfjsLayersModel {
  layers: KerasLayer[];
  inputLayers: string[];
  outputLayers: string[];
  /** `layerName/kernel`, `layerName/bias`, ... */
  weights: Map<string, WeightTensor>;
  /** sha256 of model.json and every shard, in manifest order: the cache key of converted models. */
  sourceHash: string;
}

interface WeightsManifestGroup {
  paths: string[];
  weights: Array<{ name: string; shape: number[]; dtype: string; quantization?: unknown }>;
}

interface ModelJson {
  format?: string;
  modelTopology?: {
    model_config?: { class_name?: string; config?: RawModelConfig };
  } & Partial<{ class_name: string; config: RawModelConfig }>;
  weightsManifest?: WeightsManifestGroup[];
}

interface RawModelConfig {
  layers?: Array<{ class_name: string; name?: string; config: Record<string, unknown>; inbound_nodes?: unknown[] }>;
  input_layers?: unknown[][];
  output_layers?: unknown[][];
}

export class LayersModelFormatError extends Error {
  constructor(modelJsonPath: string, detail: string) {
    super(`${modelJsonPath}: ${detail}`);
    this.name = 'LayersModelFormatError';
  }
}

/** sha256 of model.json and its shards, without parsing weights: the cache key of a conversion. */
export async function hashLayersModelSource(modelJsonPath: string): Promise<string> {
  const jsonBytes = await readFile(modelJsonPath);
  const hash = createHash('sha256').update(jsonBytes);
  const json = JSON.parse(jsonBytes.toString('utf8')) as ModelJson;
  for (const group of json.weightsManifest ?? []) {
    for (const shard of group.paths) hash.update(await readFile(path.join(path.dirname(modelJsonPath), shard)));
  }
  return hash.digest('hex');
}

export async function readTfjsLayersModel(modelJsonPath: string): Promise<TfjsLayersModel> {
  const jsonBytes = await readFile(modelJsonPath);
  const hash = createHash('sha256').update(jsonBytes);
  const json = JSON.parse(jsonBytes.toString('utf8')) as ModelJson;
  const fail = (detail: string): never => {
    throw new LayersModelFormatError(modelJsonPath, detail);
  };

  if (json.format !== undefined && json.format !== 'layers-model') fail(`format "${json.format}" is not a layers-model`);
  // Keras 2 nests the functional config under model_config; older exports put it at the top.
  const topology = json.modelTopology;
  const modelConfig = topology?.model_config ?? topology;
  const config = modelConfig?.config;
  if (!config?.layers) fail('no layer list in modelTopology');

  const layers = config!.layers!.map((raw) => parseLayer(raw, fail));
  const firstOf = (list: unknown[][] | undefined): string[] => (list ?? []).map((entry) => String(entry[0]));
  const weights = new Map<string, WeightTensor>();
  for (const group of json.weightsManifest ?? []) {
    const shards = await Promise.all(group.paths.map((shard) => readFile(path.join(path.dirname(modelJsonPath), shard))));
    for (const shard of shards) hash.update(shard);
    readGroupWeights(group, Buffer.concat(shards), weights, fail);
  }
  return {
    layers,
    inputLayers: firstOf(config!.input_layers),
    outputLayers: firstOf(config!.output_layers),
    weights,
    sourceHash: hash.digest('hex'),
  };
}

function parseLayer(
  raw: { class_name: string; name?: string; config: Record<string, unknown>; inbound_nodes?: unknown[] },
  fail: (detail: string) => never,
): KerasLayer {
  const name = raw.name ?? String(raw.config.name);
  const nodes = raw.inbound_nodes ?? [];
  if (nodes.length > 1) fail(`layer ${name} is shared (called ${nodes.length} times); shared layers are not supported`);
  const inputs: LayerInput[] = [];
  for (const ref of (nodes[0] ?? []) as unknown[]) {
    if (!Array.isArray(ref)) fail(`layer ${name} has an inbound node in an unknown (non Keras 2) format`);
    const [layer, nodeIndex, tensorIndex] = ref as [string, number, number];
    inputs.push({ layer, nodeIndex, tensorIndex });
  }
  return { className: raw.class_name, name, config: raw.config, inputs };
}

function readGroupWeights(
  group: WeightsManifestGroup,
  bytes: Buffer,
  into: Map<string, WeightTensor>,
  fail: (detail: string) => never,
): void {
  let offset = 0;
  for (const spec of group.weights) {
    if (spec.dtype !== 'float32' || spec.quantization) fail(`weight ${spec.name} is ${spec.dtype}${spec.quantization ? ' (quantized)' : ''}; only float32 is supported`);
    const count = spec.shape.reduce((product, size) => product * size, 1);
    const byteLength = count * 4;
    if (offset + byteLength > bytes.length) fail(`weight shards end before ${spec.name}`);
    // Copy into an aligned buffer: shard offsets are not guaranteed to be 4-byte aligned.
    const values = new Float32Array(count);
    Buffer.from(values.buffer).set(bytes.subarray(offset, offset + byteLength));
    into.set(spec.name, { shape: spec.shape, values });
    offset += byteLength;
  }
}
