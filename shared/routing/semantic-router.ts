/**
 * The router's last stage: the message goes to the route of its most similar labelled example, when that
 * similarity clears the threshold. Examples are embedded once per container (the first routed message pays
 * for it; a failed embedding is forgotten so the next message retries).
 */
import type { EmbeddingService } from '../embeddings/embedding-service';
import type { RouteExample } from './examples';
import type { ChatRouteName, RouteCandidate } from './route-names';

export interface SemanticScores {
  /** Each labelled route with its best example similarity, best first. */
  readonly candidates: readonly RouteCandidate[];
  /** The example nearest to the message. */
  readonly nearest:
    | { readonly route: ChatRouteName; readonly text: string; readonly score: number }
    | undefined;
}

export interface SemanticRouter {
  score(vector: Float32Array): Promise<SemanticScores>;
}

const dot = (a: Float32Array, b: Float32Array) => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
};

export function createSemanticRouter(deps: {
  embeddings: EmbeddingService;
  examples: readonly RouteExample[];
}): SemanticRouter {
  let embedded: Promise<Float32Array[]> | undefined;
  const exampleVectors = () => {
    embedded ??= deps.embeddings
      .embed(deps.examples.map((e) => e.text))
      .then((result) => result.vectors)
      .catch((error: unknown) => {
        embedded = undefined;
        throw error;
      });
    return embedded;
  };
  return {
    async score(vector) {
      const vectors = await exampleVectors();
      const best = new Map<ChatRouteName, number>();
      let nearest: SemanticScores['nearest'];
      deps.examples.forEach((example, i) => {
        // Unit vectors: the inner product is the cosine similarity.
        const score = dot(vector, vectors[i] as Float32Array);
        if (score > (best.get(example.route) ?? Number.NEGATIVE_INFINITY)) best.set(example.route, score);
        if (!nearest || score > nearest.score) nearest = { route: example.route, text: example.text, score };
      });
      const candidates = [...best.entries()]
        .map(([name, score]) => ({ name, score }))
        .sort((a, b) => b.score - a.score);
      return { candidates, nearest };
    },
  };
}
