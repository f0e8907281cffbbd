/**
 * The ONNX graph that assigns rows to IVF lists on onnxruntime, written here as protobuf bytes (no model file
 * in the repository, no protobuf library at run time), in the spirit of the hand-assembled WASM kernels of
 * simd-kernels.ts. Field numbers are onnx.proto's (ModelProto, GraphProto, NodeProto, ...).
 *
 *   rows  uint8 [n, d]  the rows' int8 codes + 128 (zero point 128)
 *   codes int8  [d, l]  the centroids' int8 codes, one column per list
 *   scale float [l]     each centroid's scale
 *   top   float [n, 2]  the two best of Cast(MatMulInteger(rows, codes, 128)) · scale, best first
 *   list  int32 [n, 2]  their lists (TopK: the lower index first among equal scores)
 *
 * Every dimension is symbolic: one session serves any corpus, dimension and list count.
 */

/** onnx.TensorProto.DataType values. */
const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;
const INT32 = 6;
const INT64 = 7;
/** onnx.AttributeProto.AttributeType.INT. */
const ATTRIBUTE_INT = 2;

const VARINT = 0;
const LENGTH_DELIMITED = 2;

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

/** A field of a message: its key, then its value. */
type Field = Uint8Array;

const key = (field: number, wireType: number) => varint(field * 8 + wireType);

/** A non-negative integer field (int32, int64, enum). */
const int = (field: number, value: number): Field =>
  Uint8Array.from([...key(field, VARINT), ...varint(value)]);

const bytes = (field: number, value: Uint8Array): Field =>
  message(Uint8Array.from([...key(field, LENGTH_DELIMITED), ...varint(value.length)]), value);

const text = (field: number, value: string): Field => bytes(field, new TextEncoder().encode(value));

/** The concatenation of fields: a message's bytes (embedded with `bytes`). */
function message(...fields: Field[]): Uint8Array {
  const out = new Uint8Array(fields.reduce((sum, field) => sum + field.length, 0));
  let at = 0;
  for (const field of fields) {
    out.set(field, at);
    at += field.length;
  }
  return out;
}

/** ValueInfoProto (name 1, type 2) of a tensor: TypeProto.tensor_type 1 {elem_type 1, shape 2 {dim 1}}. */
const tensorValue = (name: string, elemType: number, dims: readonly (string | number)[]) =>
  message(
    text(1, name),
    bytes(2, bytes(1, message(int(1, elemType), bytes(2, message(...dims.map(dimension)))))),
  );

/** TensorShapeProto.Dimension: dim_value 1 or dim_param 2. */
const dimension = (dim: string | number) => bytes(1, typeof dim === 'number' ? int(1, dim) : text(2, dim));

/** NodeProto: input 1, output 2, name 3, op_type 4, attribute 5 (AttributeProto: name 1, i 3, type 20). */
const node = (
  op: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attributes: Readonly<Record<string, number>> = {},
) =>
  message(
    ...inputs.map((input) => text(1, input)),
    ...outputs.map((output) => text(2, output)),
    text(3, outputs[0] as string),
    text(4, op),
    ...Object.entries(attributes).map(([name, value]) =>
      bytes(5, message(text(1, name), int(3, value), int(20, ATTRIBUTE_INT))),
    ),
  );

/** IR version 8 and opset 17: what onnxruntime-node 1.x reads. */
const IR_VERSION = 8;
const OPSET = 17;

/** The ModelProto of the assignment graph. */
export function assignGraph(): Uint8Array {
  // TensorProto: dims 1 (none for the scalar zero point), data_type 2, name 8, raw_data 9 (little-endian).
  const zeroPoint = message(int(2, UINT8), text(8, 'zero_point'), bytes(9, Uint8Array.of(128)));
  const two = message(
    int(1, 1),
    int(2, INT64),
    text(8, 'two'),
    bytes(9, Uint8Array.of(2, 0, 0, 0, 0, 0, 0, 0)),
  );
  const graph = message(
    bytes(1, node('MatMulInteger', ['rows', 'codes', 'zero_point'], ['products'])),
    bytes(1, node('Cast', ['products'], ['products_float'], { to: FLOAT })),
    bytes(1, node('Mul', ['products_float', 'scale'], ['scores'])),
    bytes(1, node('TopK', ['scores', 'two'], ['top', 'best'], { axis: 1 })),
    bytes(1, node('Cast', ['best'], ['list'], { to: INT32 })),
    text(2, 'ivf_assign'),
    bytes(5, zeroPoint),
    bytes(5, two),
    bytes(11, tensorValue('rows', UINT8, ['n', 'd'])),
    bytes(11, tensorValue('codes', INT8, ['d', 'l'])),
    bytes(11, tensorValue('scale', FLOAT, ['l'])),
    bytes(12, tensorValue('top', FLOAT, ['n', 2])),
    bytes(12, tensorValue('list', INT32, ['n', 2])),
  );
  // ModelProto: ir_version 1, producer_name 2, graph 7, opset_import 8 (OperatorSetIdProto: domain 1, version 2).
  return message(
    int(1, IR_VERSION),
    text(2, 'genai-endpoints'),
    bytes(7, graph),
    bytes(8, message(text(1, ''), int(2, OPSET))),
  );
}
