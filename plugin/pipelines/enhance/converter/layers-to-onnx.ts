// Converts a Keras layer graph (as read from a TFJS layers-model) into an ONNX graph:
// NHWC Keras layers become NCHW ONNX operators, with dynamic batch, height and width.
// Supports what the ESRGAN family uses: Conv2D, Activation, Concatenate, Add, Multiply by a
// constant (MultiplyBeta), UpSampling2D (nearest) and PixelShuffle (DepthToSpace).
//
// One rewrite: a nearest UpSampling2D whose only consumer is a stride-1 "same" convolution
// becomes a convolution on the small image followed by DepthToSpace. Same result, but the
// upscaled feature map (48 channels at 16x the pixels for x4) is never materialized.
import { OnnxGraphBuilder } from './onnx-graph-builder.js';
import type { KerasLayer, TfjsLayersModel, WeightTensor } from './tfjs-layers-model.js';

export const CONVERTER_VERSION = '2';
const OPSET_VERSION = 13;

export interface ConversionFacts {
  /** Output size / input size. */
  scale: number;
  /** How far (in input pixels) an output pixel "sees": the context a tile needs to be exact. */
  receptiveRadius: number;
  inputChannels: number;
  outputChannels: number;
}

export interface ConvertedModel extends ConversionFacts {
  onnx: Uint8Array;
}

export class UnsupportedLayerError extends Error {
  constructor(layer: KerasLayer, detail: string) {
    super(`layer ${layer.name} (${layer.className}): ${detail}`);
    this.name = 'UnsupportedLayerError';
  }
}

/** What a converted layer's output is, for the layers that consume it. */
interface TensorFacts {
  onnxName: string;
  /** Set when a nearest upsampling by this factor is deferred into the consuming convolution. */
  deferredUpsample?: number;
  /** Cumulative upscaling of this tensor relative to the model input. */
  scale: number;
  receptiveRadius: number;
  channels: number;
}

interface LayerContext {
  builder: OnnxGraphBuilder;
  layer: KerasLayer;
  inputs: TensorFacts[];
  /** The layers that read this layer's output. */
  consumers: KerasLayer[];
  weight(suffix: 'kernel' | 'bias'): WeightTensor | undefined;
}

type LayerConverter = (ctx: LayerContext) => TensorFacts;

export function convertLayersModelToOnnx(model: TfjsLayersModel, metadata: Record<string, string> = {}): ConvertedModel {
  if (model.inputLayers.length !== 1 || model.outputLayers.length !== 1) {
    throw new Error(`expected one input and one output layer, got ${model.inputLayers.length} and ${model.outputLayers.length}`);
  }
  const builder = new OnnxGraphBuilder();
  const produced = new Map<string, TensorFacts>();
  const consumers = consumersByLayer(model.layers);
  let inputChannels = 0;

  for (const layer of topologicalOrder(model.layers)) {
    if (layer.className === 'InputLayer') {
      inputChannels = inputChannelsOf(layer);
      builder.addImageInput('input', inputChannels);
      produced.set(layer.name, { onnxName: 'input', scale: 1, receptiveRadius: 0, channels: inputChannels });
      continue;
    }
    const convert = converterFor(layer);
    const inputs = layer.inputs.map((ref) => {
      if (ref.nodeIndex !== 0 || ref.tensorIndex !== 0) throw new UnsupportedLayerError(layer, 'multi-output inputs are not supported');
      const input = produced.get(ref.layer)!;
      if (input.deferredUpsample && layer.className !== 'Conv2D') throw new UnsupportedLayerError(layer, 'internal: a deferred upsampling reached a non-convolution');
      return input;
    });
    const weight = (suffix: 'kernel' | 'bias') => model.weights.get(`${layer.name}/${suffix}`);
    produced.set(layer.name, convert({ builder, layer, inputs, consumers: consumers.get(layer.name) ?? [], weight }));
  }

  const last = produced.get(model.outputLayers[0]!);
  if (!last || last.deferredUpsample) throw new Error(`output layer ${model.outputLayers[0]} was not produced`);
  builder.addNode('Identity', [last.onnxName], {}, 'output');
  builder.addImageOutput('output', last.channels);

  const facts: ConversionFacts = {
    scale: last.scale,
    receptiveRadius: Math.ceil(last.receptiveRadius),
    inputChannels,
    outputChannels: last.channels,
  };
  const onnx = builder.serialize({
    producerName: 'media-lab-enhance',
    producerVersion: CONVERTER_VERSION,
    opsetVersion: OPSET_VERSION,
    metadata: {
      ...metadata,
      'media_lab.scale': String(facts.scale),
      'media_lab.receptive_radius': String(facts.receptiveRadius),
      'media_lab.source_hash': model.sourceHash,
    },
  });
  return { onnx, ...facts };
}

function converterFor(layer: KerasLayer): LayerConverter {
  const pixelShuffle = /^PixelShuffle(\d+)x$/.exec(layer.className);
  if (pixelShuffle) return convertPixelShuffle;
  const converter = LAYER_CONVERTERS[layer.className];
  if (!converter) throw new UnsupportedLayerError(layer, 'no ONNX mapping for this layer type');
  return converter;
}

const LAYER_CONVERTERS: Record<string, LayerConverter> = {
  Conv2D: convertConv2D,
  Activation: ({ builder, layer, inputs }) => ({
    ...single(layer, inputs),
    onnxName: applyActivation(builder, layer, single(layer, inputs).onnxName, String(layer.config.activation)),
  }),
  Concatenate: ({ builder, layer, inputs }) => ({
    onnxName: builder.addNode('Concat', names(inputs), { axis: nhwcAxisToNchw(layer, Number(layer.config.axis ?? -1)) }, layer.name),
    ...mergeFacts(inputs),
    channels: inputs.reduce((sum, input) => sum + input.channels, 0),
  }),
  Add: ({ builder, layer, inputs }) => ({
    onnxName: builder.addNode(inputs.length === 2 ? 'Add' : 'Sum', names(inputs), {}, layer.name),
    ...mergeFacts(inputs),
    channels: inputs[0]!.channels,
  }),
  MultiplyBeta: ({ builder, layer, inputs }) => {
    const input = single(layer, inputs);
    const beta = builder.addFloatInitializer(`${layer.name}/beta`, [], Float32Array.of(Number(layer.config.beta ?? 0.2)));
    return { ...input, onnxName: builder.addNode('Mul', [input.onnxName, beta], {}, layer.name) };
  },
  UpSampling2D: convertUpSampling2D,
};

function convertConv2D({ builder, layer, inputs, weight }: LayerContext): TensorFacts {
  const input = single(layer, inputs);
  const config = layer.config;
  const [kh, kw] = config.kernel_size as [number, number];
  const [sh, sw] = (config.strides as [number, number] | undefined) ?? [1, 1];
  const [dh, dw] = (config.dilation_rate as [number, number] | undefined) ?? [1, 1];
  if (sh !== 1 || sw !== 1) throw new UnsupportedLayerError(layer, 'strided convolutions are not supported');
  if ((config.groups ?? 1) !== 1) throw new UnsupportedLayerError(layer, 'grouped convolutions are not supported');
  if ((config.data_format ?? 'channels_last') !== 'channels_last') throw new UnsupportedLayerError(layer, 'only channels_last is supported');

  const kernel = weight('kernel');
  if (!kernel) throw new UnsupportedLayerError(layer, 'kernel weights are missing');
  const [, , inChannels, outChannels] = kernel.shape as [number, number, number, number];
  const bias = config.use_bias !== false ? weight('bias')?.values : undefined;
  const activation = String(config.activation ?? 'linear');
  const convName = activation === 'linear' ? layer.name : `${layer.name}/conv`;

  let conv: string;
  if (input.deferredUpsample) {
    conv = addUpsampledConv(builder, layer.name, convName, input.onnxName, input.deferredUpsample, hwioToOihw(kernel), [outChannels, inChannels, kh, kw], bias);
  } else {
    const convInputs = [input.onnxName, builder.addFloatInitializer(`${layer.name}/kernel`, [outChannels, inChannels, kh, kw], hwioToOihw(kernel))];
    if (bias) convInputs.push(builder.addFloatInitializer(`${layer.name}/bias`, [outChannels], bias));
    conv = builder.addNode('Conv', convInputs, {
      kernel_shape: [kh, kw],
      dilations: [dh, dw],
      strides: [1, 1],
      pads: config.padding === 'same' ? samePads(kh, kw, dh, dw) : [0, 0, 0, 0],
    }, convName);
  }
  // A conv reaches (k-1)*d/2 of its own pixels each way; in input pixels that shrinks by the scale so far.
  const reach = Math.max(((kh - 1) * dh) / 2, ((kw - 1) * dw) / 2) / input.scale;
  return {
    onnxName: applyActivation(builder, layer, conv, activation),
    scale: input.scale,
    receptiveRadius: input.receptiveRadius + reach,
    channels: outChannels,
  };
}

/**
 * conv(upsample_nearest(x, s)) as DepthToSpace(conv'(x), s). Output pixel (s*y + i, s*x + j)
 * reads upsampled rows s*y + i + dy - p, i.e. small-image rows y + floor((i + dy - p) / s):
 * so conv' has one output channel per (i, j, c) and sums the kernel taps that land on the
 * same small-image pixel. DepthToSpace (DCR) then puts channel (i * s + j) * C + c at (i, j).
 */
function addUpsampledConv(
  builder: OnnxGraphBuilder,
  layerName: string,
  outputName: string,
  input: string,
  scale: number,
  kernel: Float32Array,
  [outChannels, inChannels, kh, kw]: [number, number, number, number],
  bias: Float32Array | undefined,
): string {
  const padH = (kh - 1) / 2;
  const padW = (kw - 1) / 2;
  const offset = (phase: number, tap: number, pad: number) => Math.floor((phase + tap - pad) / scale);
  const minH = offset(0, 0, padH);
  const minW = offset(0, 0, padW);
  const smallH = offset(scale - 1, kh - 1, padH) - minH + 1;
  const smallW = offset(scale - 1, kw - 1, padW) - minW + 1;
  const fusedOut = scale * scale * outChannels;
  const fused = new Float32Array(fusedOut * inChannels * smallH * smallW);
  for (let i = 0; i < scale; i++)
    for (let j = 0; j < scale; j++)
      for (let o = 0; o < outChannels; o++) {
        const fusedChannel = (i * scale + j) * outChannels + o;
        for (let c = 0; c < inChannels; c++)
          for (let dy = 0; dy < kh; dy++)
            for (let dx = 0; dx < kw; dx++) {
              const y = offset(i, dy, padH) - minH;
              const x = offset(j, dx, padW) - minW;
              fused[((fusedChannel * inChannels + c) * smallH + y) * smallW + x] += kernel[((o * inChannels + c) * kh + dy) * kw + dx]!;
            }
      }
  const inputs = [input, builder.addFloatInitializer(`${layerName}/kernel`, [fusedOut, inChannels, smallH, smallW], fused)];
  if (bias) {
    const fusedBias = new Float32Array(fusedOut);
    for (let phase = 0; phase < scale * scale; phase++) fusedBias.set(bias, phase * outChannels);
    inputs.push(builder.addFloatInitializer(`${layerName}/bias`, [fusedOut], fusedBias));
  }
  const conv = builder.addNode('Conv', inputs, {
    kernel_shape: [smallH, smallW],
    dilations: [1, 1],
    strides: [1, 1],
    pads: [-minH, -minW, smallH - 1 + minH, smallW - 1 + minW],
  }, `${layerName}/small_conv`);
  return builder.addNode('DepthToSpace', [conv], { blocksize: scale, mode: 'DCR' }, outputName);
}

function convertUpSampling2D(ctx: LayerContext): TensorFacts {
  const { builder, layer, inputs } = ctx;
  const input = single(layer, inputs);
  const [sh, sw] = layer.config.size as [number, number];
  if ((layer.config.interpolation ?? 'nearest') !== 'nearest') throw new UnsupportedLayerError(layer, 'only nearest upsampling is supported');
  if (sh !== sw) throw new UnsupportedLayerError(layer, 'non-square upsampling is not supported');
  if (ctx.consumers.length === 1 && canAbsorbUpsampling(ctx.consumers[0]!)) {
    return { ...input, deferredUpsample: sh, scale: input.scale * sh };
  }
  const scales = builder.addFloatInitializer(`${layer.name}/scales`, [4], Float32Array.of(1, 1, sh, sw));
  // asymmetric + floor replicates each pixel exactly like Keras' nearest UpSampling2D.
  const output = builder.addNode('Resize', [input.onnxName, '', scales], {
    mode: 'nearest',
    coordinate_transformation_mode: 'asymmetric',
    nearest_mode: 'floor',
  }, layer.name);
  return { ...input, onnxName: output, scale: input.scale * sh };
}

function convertPixelShuffle({ builder, layer, inputs }: LayerContext): TensorFacts {
  const input = single(layer, inputs);
  const blocksize = Number(layer.config.scale ?? /(\d+)/.exec(layer.className)![1]);
  // tf.depthToSpace orders depth as (block row, block column, channel): ONNX calls that DCR.
  const output = builder.addNode('DepthToSpace', [input.onnxName], { blocksize, mode: 'DCR' }, layer.name);
  return { ...input, onnxName: output, scale: input.scale * blocksize, channels: input.channels / (blocksize * blocksize) };
}

/** A stride-1, undilated, "same", odd-kernel convolution can take the upsampling into its weights. */
function canAbsorbUpsampling(layer: KerasLayer): boolean {
  const config = layer.config;
  const [kh, kw] = (config.kernel_size as [number, number] | undefined) ?? [0, 0];
  const strides = (config.strides as number[] | undefined) ?? [1, 1];
  const dilation = (config.dilation_rate as number[] | undefined) ?? [1, 1];
  return (
    layer.className === 'Conv2D' &&
    config.padding === 'same' &&
    kh % 2 === 1 &&
    kw % 2 === 1 &&
    strides.every((stride) => stride === 1) &&
    dilation.every((rate) => rate === 1) &&
    (config.groups ?? 1) === 1
  );
}

function consumersByLayer(layers: KerasLayer[]): Map<string, KerasLayer[]> {
  const consumers = new Map<string, KerasLayer[]>();
  for (const layer of layers) {
    for (const ref of layer.inputs) consumers.set(ref.layer, [...(consumers.get(ref.layer) ?? []), layer]);
  }
  return consumers;
}

function applyActivation(builder: OnnxGraphBuilder, layer: KerasLayer, input: string, activation: string): string {
  const opType = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' }[activation];
  if (activation === 'linear') return layer.className === 'Activation' ? builder.addNode('Identity', [input], {}, layer.name) : input;
  if (!opType) throw new UnsupportedLayerError(layer, `activation "${activation}" is not supported`);
  return builder.addNode(opType, [input], {}, layer.name);
}

/** Keras HWIO kernels ([kh, kw, in, out]) to ONNX OIHW ([out, in, kh, kw]). */
function hwioToOihw(kernel: WeightTensor): Float32Array {
  const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
  const source = kernel.values;
  const target = new Float32Array(source.length);
  for (let h = 0; h < kh; h++)
    for (let w = 0; w < kw; w++)
      for (let i = 0; i < cin; i++) {
        const sourceRow = ((h * kw + w) * cin + i) * cout;
        for (let o = 0; o < cout; o++) target[((o * cin + i) * kh + h) * kw + w] = source[sourceRow + o]!;
      }
  return target;
}

/** TensorFlow's "same" padding at stride 1: the extra pixel of an even kernel goes after. */
function samePads(kh: number, kw: number, dh: number, dw: number): number[] {
  const totalH = (kh - 1) * dh;
  const totalW = (kw - 1) * dw;
  const top = Math.floor(totalH / 2);
  const left = Math.floor(totalW / 2);
  return [top, left, totalH - top, totalW - left];
}

function nhwcAxisToNchw(layer: KerasLayer, axis: number): number {
  const mapped = [0, 2, 3, 1][axis < 0 ? axis + 4 : axis];
  if (mapped === undefined) throw new UnsupportedLayerError(layer, `axis ${axis} is out of range`);
  return mapped;
}

function single(layer: KerasLayer, inputs: TensorFacts[]): TensorFacts {
  if (inputs.length !== 1) throw new UnsupportedLayerError(layer, `expected one input, got ${inputs.length}`);
  return inputs[0]!;
}

function mergeFacts(inputs: TensorFacts[]): Pick<TensorFacts, 'scale' | 'receptiveRadius'> {
  return {
    scale: inputs[0]!.scale,
    receptiveRadius: Math.max(...inputs.map((input) => input.receptiveRadius)),
  };
}

function names(inputs: TensorFacts[]): string[] {
  return inputs.map((input) => input.onnxName);
}

function inputChannelsOf(layer: KerasLayer): number {
  const shape = (layer.config.batch_input_shape ?? layer.config.batch_shape) as Array<number | null> | undefined;
  const channels = shape?.[3];
  if (typeof channels !== 'number') throw new UnsupportedLayerError(layer, 'the input channel count is not fixed');
  return channels;
}

/** Keras lists functional layers in a valid order, but do not rely on it. */
function topologicalOrder(layers: KerasLayer[]): KerasLayer[] {
  const byName = new Map(layers.map((layer) => [layer.name, layer]));
  const ordered: KerasLayer[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (layer: KerasLayer): void => {
    const seen = state.get(layer.name);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new UnsupportedLayerError(layer, 'the layer graph has a cycle');
    state.set(layer.name, 'visiting');
    for (const ref of layer.inputs) {
      const dependency = byName.get(ref.layer);
      if (!dependency) throw new UnsupportedLayerError(layer, `input layer ${ref.layer} does not exist`);
      visit(dependency);
    }
    state.set(layer.name, 'done');
    ordered.push(layer);
  };
  // Iterative outer loop; recursion depth is bounded by the graph depth (hundreds at most).
  for (const layer of layers) visit(layer);
  return ordered;
}
