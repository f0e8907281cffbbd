/** Deterministic unit vectors and chunk records for vector store tests. */
import { seededRandom } from '../../scripts/tiny-models/onnx-graph';
import {
  type AssignSession,
  createListAssigner,
  type ListAssigner,
  processAssignSession,
} from '../../shared/vectors/list-assigner';
import type { ChunkRecord } from '../../shared/vectors/vector-store';

export function unitVector(dimensions: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const v = Float32Array.from({ length: dimensions }, () => random() * 2 - 1);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

export function records(
  documentId: string,
  count: number,
  dimensions = 16,
  seedBase = 1,
  version = 1,
): ChunkRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    documentId,
    version,
    chunkIndex: i,
    text: `${documentId} chunk ${i}`,
    source: `${documentId}.txt`,
    vector: unitVector(dimensions, seedBase * 1000 + i),
  }));
}

/** The process's onnxruntime assignment session, recording the rows of each of its runs. */
export function countingGraphSession(): { session: () => Promise<AssignSession>; runs: number[] } {
  const runs: number[] = [];
  const session = async (): Promise<AssignSession> => {
    const graph = await processAssignSession();
    return {
      run: (batch) => {
        runs.push(batch.count);
        return graph.run(batch);
      },
    };
  };
  return { session, runs };
}

/**
 * A list assigner on the process's onnxruntime session that records the rows of each graph run, so a test
 * can tell the graph assigned (and not the WASM kernel).
 */
export function countingGraphAssigner(minScores: number): { assigner: ListAssigner; runs: number[] } {
  const { session, runs } = countingGraphSession();
  return { assigner: createListAssigner({ minScores, session }), runs };
}
