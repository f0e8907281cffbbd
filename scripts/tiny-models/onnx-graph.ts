/**
 * A small, deterministic ONNX graph builder over `onnx-proto`. Every random weight comes from a seeded PRNG,
 * so a generated model is byte-for-byte reproducible from its seed.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** The subset of `onnx.TensorProto.DataType` the tiny models use. */
export const DType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9 } as const;
export type DType = (typeof DType)[keyof typeof DType];

export type Dim = number | string;

/** Marks a number as a FLOAT attribute (plain numbers become INT attributes). */
export interface FloatAttr {
  readonly float: number;
}
export const float = (value: number): FloatAttr => ({ float: value });

interface GraphAttr {
  readonly graph: onnxProto.onnx.IGraphProto;
}
export type AttrValue = number | number[] | string | FloatAttr | GraphAttr;

/** mulberry32: a tiny seeded PRNG with good enough spread for random weights. */
export function seededRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function toAttribute(name: string, value: AttrValue): onnxProto.onnx.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') return { name, type: A.INT, i: value };
  if (typeof value === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: A.INTS, ints: value };
  if ('float' in value) return { name, type: A.FLOAT, f: value.float };
  return { name, type: A.GRAPH, g: value.graph };
}

function valueInfo(name: string, elemType: DType, shape: readonly Dim[]): onnxProto.onnx.IValueInfoProto {
  const dim = shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

type TypedData = Float32Array | BigInt64Array | Int32Array | Uint8Array;

interface SharedState {
  counter: number;
  readonly initializers: onnxProto.onnx.ITensorProto[];
  readonly random: () => number;
}

export class Graph {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly shared: SharedState;
  private readonly isSubgraph: boolean;

  constructor(
    readonly name: string,
    options: { seed?: number; parent?: Graph } = {},
  ) {
    // A subgraph (If branch) shares its parent's name counter, RNG and initializers: outer-scope references are legal.
    this.isSubgraph = options.parent !== undefined;
    this.shared = options.parent?.shared ?? {
      counter: 0,
      initializers: [],
      random: seededRandom(options.seed ?? 42),
    };
  }

  subgraph(name: string): Graph {
    return new Graph(name, { parent: this });
  }

  uniqueName(prefix = 't'): string {
    return `${prefix}_${this.shared.counter++}`;
  }

  input(name: string, elemType: DType, shape: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, shape));
    return name;
  }

  output(name: string, elemType: DType, shape: readonly Dim[]): string {
    this.outputs.push(valueInfo(name, elemType, shape));
    return name;
  }

  initializer(name: string, dims: readonly number[], data: TypedData, dataType: DType = DType.FLOAT): string {
    const rawData = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.shared.initializers.push({ name, dims: [...dims], dataType, rawData });
    return name;
  }

  /** A random float weight, uniform in [-scale, scale]. */
  random(name: string, dims: readonly number[], scale = 0.5): string {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (this.shared.random() * 2 - 1) * scale;
    return this.initializer(name, dims, data);
  }

  int64s(values: readonly number[]): string {
    return this.initializer(
      this.uniqueName('i64'),
      [values.length],
      BigInt64Array.from(values.map(BigInt)),
      DType.INT64,
    );
  }

  int64Scalar(value: number): string {
    return this.initializer(this.uniqueName('i64s'), [], BigInt64Array.of(BigInt(value)), DType.INT64);
  }

  scalar(value: number): string {
    return this.initializer(this.uniqueName('f'), [], Float32Array.of(value));
  }

  /** Adds a node and returns its (single) output name; `outputName` names the output explicitly. */
  op(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, AttrValue> = {},
    outputName?: string,
  ): string {
    const out = outputName ?? this.uniqueName(opType);
    this.nodes.push({
      opType,
      input: [...inputs],
      output: [out],
      attribute: Object.entries(attributes).map(([k, v]) => toAttribute(k, v)),
      name: this.uniqueName(`n_${opType}`),
    });
    return out;
  }

  /** Adds a node with several named outputs (e.g. `If`). */
  opMulti(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, AttrValue>,
    outputs: string[],
  ): void {
    this.nodes.push({
      opType,
      input: [...inputs],
      output: outputs,
      attribute: Object.entries(attributes).map(([k, v]) => toAttribute(k, v)),
      name: this.uniqueName(`n_${opType}`),
    });
  }

  asAttribute(): GraphAttr {
    return { graph: this.proto() };
  }

  private proto(): onnxProto.onnx.IGraphProto {
    return {
      name: this.name,
      node: this.nodes,
      initializer: this.isSubgraph ? [] : this.shared.initializers,
      input: this.inputs,
      output: this.outputs,
    };
  }

  toBytes(opset = 17): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'genai-endpoints-tiny-models',
      opsetImport: [{ domain: '', version: opset }],
      graph: this.proto(),
    });
    const problem = onnx.ModelProto.verify(model);
    if (problem) throw new Error(`invalid ONNX model ${this.name}: ${problem}`);
    return onnx.ModelProto.encode(model).finish();
  }
}
