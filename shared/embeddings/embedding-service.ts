/**
 * Sentence embeddings: mean-pooled, L2-normalized, one forward pass per batch (so cosine similarity is an
 * inner product). The tokenizer is exposed for token-aware chunking with the same vocabulary.
 */
import type { Tensor } from '@huggingface/transformers';
import { MODEL_CATALOG } from '../models/catalog';
import { elapsedMs, type ModelInfo, modelInfo } from '../models/model-info';
import type { ModelRuntime } from '../models/model-runtime';

export interface Embeddings {
  /** One unit vector per text, in order. */
  readonly vectors: Float32Array[];
  readonly dimensions: number;
  readonly model: ModelInfo;
  readonly timingMs: number;
}

export interface EmbeddingService {
  embed(texts: readonly string[]): Promise<Embeddings>;
  /** Counts tokens as the embedding model does (special tokens included). */
  tokenCounter(): Promise<(text: string) => number>;
  /**
   * The model that embeds (loading it): its id, and a fingerprint of everything its vectors depend on (id,
   * revision, dtype, profile), under which stored vectors may be reused.
   */
  identity(): Promise<{ id: string; fingerprint: string }>;
  /** The longest input the model embeds without truncation, in tokens. */
  maxTokens(): Promise<number>;
}

export function createEmbeddingService(deps: { runtime: ModelRuntime }): EmbeddingService {
  const load = () => deps.runtime.load('embeddings');
  return {
    async embed(texts) {
      const model = await load();
      const started = performance.now();
      const output = (await model.pipeline([...texts], { pooling: 'mean', normalize: true })) as Tensor;
      const [count, dimensions] = output.dims as [number, number];
      const data = output.data as Float32Array;
      const vectors = Array.from({ length: count }, (_, i) =>
        data.slice(i * dimensions, (i + 1) * dimensions),
      );
      return { vectors, dimensions, model: modelInfo(model), timingMs: elapsedMs(started) };
    },
    async identity() {
      const model = await load();
      const served = MODEL_CATALOG.embeddings[model.profile];
      return { id: model.id, fingerprint: `${model.id}@${served.revision}:${served.dtype}:${model.profile}` };
    },
    async tokenCounter() {
      const { tokenizer } = (await load()).pipeline;
      return (text: string) => (tokenizer(text).input_ids as Tensor).dims.at(-1) ?? 0;
    },
    async maxTokens() {
      const { tokenizer, model } = (await load()).pipeline;
      const positions = (model.config as { max_position_embeddings?: number }).max_position_embeddings ?? 512;
      return Math.min(tokenizer.model_max_length ?? positions, positions);
    },
  };
}
