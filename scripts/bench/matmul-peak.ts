/**
 * The machine's own multiply-add ceiling, measured with onnxruntime on one large MatMul: fp32 (`MatMul`) and
 * 8-bit (`MatMulInteger`, what the q8 models' projections run), at a given thread count. Routes' achieved
 * throughput is read against it.
 */
import * as ort from 'onnxruntime-node';
import { DType, Graph } from '../tiny-models/onnx-graph';
import { quantile } from './stats';

export interface MatMulPeak {
  readonly threads: number;
  readonly fp32GmacPerS: number;
  readonly int8GmacPerS: number;
}

function matmulGraph(n: number, integer: boolean): Uint8Array {
  const g = new Graph(integer ? 'matmul_integer' : 'matmul', { seed: 9 });
  g.input('x', integer ? DType.UINT8 : DType.FLOAT, [n, n]);
  g.output('y', integer ? DType.INT32 : DType.FLOAT, [n, n]);
  if (integer) {
    const w = g.initializer('w', [n, n], new Uint8Array(n * n).fill(3), DType.UINT8);
    const zero = g.initializer('zero', [], Uint8Array.of(128), DType.UINT8);
    g.op('MatMulInteger', ['x', w, zero, zero], {}, 'y');
  } else {
    g.op('MatMul', ['x', g.random('w', [n, n])], {}, 'y');
  }
  return g.toBytes();
}

async function gmacPerS(n: number, integer: boolean, threads: number, runs: number): Promise<number> {
  const session = await ort.InferenceSession.create(matmulGraph(n, integer), {
    intraOpNumThreads: threads,
    graphOptimizationLevel: 'all',
  });
  const x = integer
    ? new ort.Tensor('uint8', new Uint8Array(n * n).fill(130), [n, n])
    : new ort.Tensor('float32', new Float32Array(n * n).fill(0.5), [n, n]);
  await session.run({ x });
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await session.run({ x });
    samples.push(performance.now() - started);
  }
  await session.release();
  const ms = quantile(
    samples.sort((a, b) => a - b),
    0.5,
  );
  return n ** 3 / (ms / 1000) / 1e9;
}

/** Median of `runs` calls of one n×n×n MatMul, fp32 and int8, at each thread count. */
export async function measureMatMulPeak(
  threadCounts: readonly number[],
  { n = 2048, runs = 7 }: { n?: number; runs?: number } = {},
): Promise<MatMulPeak[]> {
  const peaks: MatMulPeak[] = [];
  for (const threads of threadCounts) {
    peaks.push({
      threads,
      fp32GmacPerS: await gmacPerS(n, false, threads, runs),
      int8GmacPerS: await gmacPerS(n, true, threads, runs),
    });
  }
  return peaks;
}
