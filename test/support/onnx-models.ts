// ONNX models for tests: where converted upscaling models are cached between runs, and a tiny
// frame-pair "interpolator" written as a real ONNX file: out = img0 + t * (img1 - img0), a
// weighted average of the two frames at time step t. Enough to exercise loading, tensor
// layout, time steps and piping with onnxruntime-node.
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';

/** Converted enhance models, kept in the OS temp folder so they survive between test runs. */
export const TEST_MODEL_CACHE = join(tmpdir(), 'media-lab-enhance-test-models');

const { onnx } = onnxProto;

function tensorInput(name: string, dims: (number | string)[]): InstanceType<typeof onnx.ValueInfoProto> {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: onnx.TensorShapeProto.create({
          dim: dims.map((d) => onnx.TensorShapeProto.Dimension.create(typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        }),
      }),
    }),
  });
}

export interface BlendModelNames {
  frame0?: string;
  frame1?: string;
  timestep?: string;
  output?: string;
}

/**
 * The frame-pair interpolator; with `timestep: null` a model without a time input that only makes
 * midpoints (out = (img0 + img1) / 2), like a 2x-only export.
 */
export async function writeBlendModel(path: string, names: Omit<BlendModelNames, 'timestep'> & { timestep?: string | null } = {}): Promise<void> {
  const frame0 = names.frame0 ?? 'img0';
  const frame1 = names.frame1 ?? 'img1';
  const timestep = names.timestep === null ? null : (names.timestep ?? 'timestep');
  const output = names.output ?? 'frame';
  const frameDims = [1, 3, 'height', 'width'];
  const half = onnx.TensorProto.create({ name: 'half', dims: [1], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [0.5] });
  const graph = onnx.GraphProto.create({
    name: 'blend',
    node: [
      onnx.NodeProto.create({ opType: 'Sub', input: [frame1, frame0], output: ['delta'], name: 'delta' }),
      onnx.NodeProto.create({ opType: 'Mul', input: ['delta', timestep ?? 'half'], output: ['step'], name: 'step' }),
      onnx.NodeProto.create({ opType: 'Add', input: [frame0, 'step'], output: [output], name: 'blend' }),
    ],
    input: [tensorInput(frame0, frameDims), tensorInput(frame1, frameDims), ...(timestep ? [tensorInput(timestep, [1])] : [])],
    initializer: timestep ? [] : [half],
    output: [tensorInput(output, frameDims)],
  });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'media-lab-tests',
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 13 })],
    graph,
  });
  await writeFile(path, onnx.ModelProto.encode(model).finish());
}
