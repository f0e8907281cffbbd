/** Deterministic unit vectors and chunk records for vector store tests. */
import { seededRandom } from '../../scripts/tiny-models/onnx-graph';
import {
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

/**
 * A list assigner on the process's onnxruntime session that records the rows of each graph run, so a test
 * can tell the graph assigned (and not the WASM kernel).
 */
export function countingGraphAssigner(minScores: number): { assigner: ListAssigner; runs: number[] } {
  const runs: number[] = [];
  const assigner = createListAssigner({
    minScores,
    session: async () => {
      const graph = await processAssignSession();
      return {
        run: (batch) => {
          runs.push(batch.count);
          return graph.run(batch);
        },
      };
    },
  });
  return { assigner, runs };
}
