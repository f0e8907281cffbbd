/**
 * A small, deterministic ONNX graph builder over `onnx-proto`. Every random weight comes from a seeded PRNG,
 * so a generated model is byte-for-byte reproducible from its seed.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** The subset of `onnx.TensorProto.DataType` the generated models use. */
export const DType = { FLOAT: 1, UINT8: 2, INT32: 6, INT64: 7, BOOL: 9 } as const;
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

/**
 * Where large initializers go instead of the protobuf (ONNX external data, as exports over 2 GB have): the
 * file name recorded in the graph, and a writer that appends bytes and returns their offset.
 */
export interface ExternalDataSink {
  readonly location: string;
  append(bytes: Uint8Array): number;
}

/**
 * How weights are stored and scaled. The tiny models keep the defaults (fp32, uniform ±0.5); true-size models
 * scale projection weights by fan-in so that activations stay finite through many layers, may store them as
 * uint8 with optimum's dynamic quantization layout (the `_quantized` exports), and stream big tensors to
 * external data.
 */
export interface WeightOptions {
  /** Projections as `DynamicQuantizeLinear` + `MatMulInteger`, embeddings as uint8 `Gather` + `DequantizeLinear`. */
  readonly quantize?: boolean;
  /** Projection weights uniform in ±√(3/fan-in) rather than ±0.5. */
  readonly fanInScale?: boolean;
  readonly externalData?: ExternalDataSink;
}

/** Tensors at least this large go to external data when the graph has a sink. */
const EXTERNAL_MIN_BYTES = 4096;
/** Random weights are generated and written in slices of this many elements, so memory stays bounded. */
const SLICE = 1 << 20;

interface SharedState {
  counter: number;
  readonly initializers: onnxProto.onnx.ITensorProto[];
  readonly random: () => number;
  readonly weights: WeightOptions;
  /** Bytes of initializers, inline and external. */
  bytes: number;
}

export class Graph {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly shared: SharedState;
  private readonly isSubgraph: boolean;

  constructor(
    readonly name: string,
    options: { seed?: number; parent?: Graph; weights?: WeightOptions } = {},
  ) {
    // A subgraph (If branch) shares its parent's name counter, RNG and initializers: outer-scope references are legal.
    this.isSubgraph = options.parent !== undefined;
    this.shared = options.parent?.shared ?? {
      counter: 0,
      initializers: [],
      random: seededRandom(options.seed ?? 42),
      weights: options.weights ?? {},
      bytes: 0,
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

  /** Bytes of all initializers so far (inline and external). */
  get weightBytes(): number {
    return this.shared.bytes;
  }

  initializer(name: string, dims: readonly number[], data: TypedData, dataType: DType = DType.FLOAT): string {
    const rawData = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const sink = this.shared.weights.externalData;
    if (sink && rawData.byteLength >= EXTERNAL_MIN_BYTES) {
      const offset = sink.append(rawData);
      this.pushExternal(name, dims, dataType, sink.location, offset, rawData.byteLength);
    } else {
      this.shared.initializers.push({ name, dims: [...dims], dataType, rawData });
    }
    this.shared.bytes += rawData.byteLength;
    return name;
  }

  private pushExternal(
    name: string,
    dims: readonly number[],
    dataType: DType,
    location: string,
    offset: number,
    length: number,
  ): void {
    this.shared.initializers.push({
      name,
      dims: [...dims],
      dataType,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(length) },
      ],
    });
  }

  /**
   * A random tensor, `fill(slice)` writing each slice: generated slice by slice straight into external data
   * when the graph has a sink and the tensor is large, so a multi-gigabyte model never sits in memory.
   */
  private randomTensor(
    name: string,
    dims: readonly number[],
    dataType: DType,
    make: (n: number) => Float32Array | Uint8Array,
  ): string {
    const n = dims.reduce((a, b) => a * b, 1);
    const sink = this.shared.weights.externalData;
    const bytesPer = dataType === DType.UINT8 ? 1 : 4;
    if (!sink || n * bytesPer < EXTERNAL_MIN_BYTES) return this.initializer(name, dims, make(n), dataType);
    let offset = -1;
    for (let done = 0; done < n; done += SLICE) {
      const slice = make(Math.min(SLICE, n - done));
      const at = sink.append(new Uint8Array(slice.buffer, slice.byteOffset, slice.byteLength));
      if (offset < 0) offset = at;
    }
    this.pushExternal(name, dims, dataType, sink.location, offset, n * bytesPer);
    this.shared.bytes += n * bytesPer;
    return name;
  }

  /** A random float weight, uniform in [-scale, scale]. */
  random(name: string, dims: readonly number[], scale = 0.5): string {
    return this.randomTensor(name, dims, DType.FLOAT, (n) => {
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = (this.shared.random() * 2 - 1) * scale;
      return data;
    });
  }

  /** Random uint8 weights (4 per draw of the PRNG). */
  private randomBytes(name: string, dims: readonly number[]): string {
    return this.randomTensor(name, dims, DType.UINT8, (n) => {
      const data = new Uint8Array(n);
      for (let i = 0; i < n; i += 4) {
        const r = (this.shared.random() * 4294967296) >>> 0;
        data[i] = r & 255;
        data[i + 1] = (r >>> 8) & 255;
        data[i + 2] = (r >>> 16) & 255;
        data[i + 3] = r >>> 24;
      }
      return data;
    });
  }

  /**
   * `x · W` with a random weight `W` [K, N]: plain fp32, or optimum's dynamic quantization (the activations
   * quantized per call with `DynamicQuantizeLinear`, uint8 weights through `MatMulInteger`, rescaled in fp32).
   * `scale` applies to fp32 weights without fan-in scaling (the tiny models' own choice per weight).
   */
  matmul(x: string, name: string, dims: readonly [number, number], scale = 0.5): string {
    const { quantize, fanInScale } = this.shared.weights;
    const range = fanInScale ? Math.sqrt(3 / dims[0]) : scale;
    if (!quantize) return this.op('MatMul', [x, this.random(name, dims, range)]);
    const [xq, xScale, xZero] = [this.uniqueName('xq'), this.uniqueName('xs'), this.uniqueName('xz')];
    this.opMulti('DynamicQuantizeLinear', [x], {}, [xq, xScale, xZero]);
    const weight = this.randomBytes(`${name}_quantized`, dims);
    const weightZero = this.initializer(`${name}_zero_point`, [], Uint8Array.of(128), DType.UINT8);
    const product = this.op('MatMulInteger', [xq, weight, xZero, weightZero]);
    const rescale = this.op('Mul', [xScale, this.scalar(range / 127)]);
    return this.op('Mul', [this.op('Cast', [product], { to: DType.FLOAT }), rescale]);
  }

  /** Rows `ids` of a random embedding table [V, H] (uint8 + `DequantizeLinear` when quantized). */
  embedding(name: string, dims: readonly [number, number], ids: string, scale = 0.5): string {
    if (!this.shared.weights.quantize) return this.op('Gather', [this.random(name, dims, scale), ids]);
    const table = this.randomBytes(`${name}_quantized`, dims);
    const rows = this.op('Gather', [table, ids]);
    const zero = this.initializer(`${name}_zero_point`, [], Uint8Array.of(128), DType.UINT8);
    return this.op('DequantizeLinear', [rows, this.scalar(scale / 127), zero]);
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

  toBytes(opset = 17, producerName = 'genai-endpoints-tiny-models'): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName,
      opsetImport: [{ domain: '', version: opset }],
      graph: this.proto(),
    });
    const problem = onnx.ModelProto.verify(model);
    if (problem) throw new Error(`invalid ONNX model ${this.name}: ${problem}`);
    return onnx.ModelProto.encode(model).finish();
  }
}
