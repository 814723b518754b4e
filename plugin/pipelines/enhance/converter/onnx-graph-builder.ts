// A small builder over onnx-proto: collects nodes and initializers, names intermediate values,
// and serializes a ModelProto. Keeps the converter free of protobuf details.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Integers, strings and integer lists are all the attributes the converter emits. */
export type AttributeValue = number | string | number[];

export interface ModelHeader {
  producerName: string;
  producerVersion: string;
  opsetVersion: number;
  metadata: Record<string, string>;
}

export class OnnxGraphBuilder {
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private readonly inputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private readonly outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private counter = 0;

  /** A float32 NCHW input with a fixed channel count and symbolic batch, height and width. */
  addImageInput(name: string, channels: number): void {
    this.inputs.push(imageValueInfo(name, channels));
  }

  addImageOutput(name: string, channels: number): void {
    this.outputs.push(imageValueInfo(name, channels));
  }

  addFloatInitializer(name: string, dims: number[], values: Float32Array): string {
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dims,
        dataType: onnx.TensorProto.DataType.FLOAT,
        rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
      }),
    );
    return name;
  }

  /** Adds a node and returns the name of its (single) output. */
  addNode(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, outputName?: string): string {
    const output = outputName ?? `${opType.toLowerCase()}_${this.counter++}`;
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        name: output,
        input: inputs,
        output: [output],
        attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
      }),
    );
    return output;
  }

  serialize(header: ModelHeader): Uint8Array {
    const graph = onnx.GraphProto.create({
      name: 'upscaler',
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    });
    const model = onnx.ModelProto.create({
      irVersion: 7,
      producerName: header.producerName,
      producerVersion: header.producerVersion,
      opsetImport: [{ domain: '', version: header.opsetVersion }],
      graph,
      metadataProps: Object.entries(header.metadata).map(([key, value]) => ({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function imageValueInfo(name: string, channels: number): InstanceType<typeof onnx.ValueInfoProto> {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: 'batch' }, { dimValue: channels }, { dimParam: 'height' }, { dimParam: 'width' }] },
      },
    },
  });
}

function attribute(name: string, value: AttributeValue): InstanceType<typeof onnx.AttributeProto> {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'string') return onnx.AttributeProto.create({ name, type: AttributeType.STRING, s: new TextEncoder().encode(value) });
  if (Array.isArray(value)) return onnx.AttributeProto.create({ name, type: AttributeType.INTS, ints: value });
  if (!Number.isInteger(value)) throw new Error(`attribute ${name}: ${value} is not an integer`);
  return onnx.AttributeProto.create({ name, type: AttributeType.INT, i: value });
}
