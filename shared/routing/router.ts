/**
 * Decides which capability answers a chat message, and says why: a client's explicit `route` first, then
 * the rules (images, drawing requests), then the documents (their best match against a threshold decides
 * between RAG and the rest), then the labelled examples (their best similarity against a threshold), and
 * the LLM when nothing is close enough. The message is embedded once for both scored stages.
 */
import type { EmbeddingService } from '../embeddings/embedding-service';
import type { RetrievalProbe } from './retrieval-probe';
import type { ChatRouteName, RouteCandidate, RouteDecision } from './route-names';
import { applyRules } from './rules';
import type { SemanticRouter } from './semantic-router';

export interface RouterThresholds {
  /** Lowest best-document similarity that sends a message to RAG. */
  readonly ragMinScore: number;
  /** Lowest example similarity that sends a message to that example's route. */
  readonly routeMinSimilarity: number;
}

export interface RouteQuery {
  readonly message: string;
  readonly hasImage: boolean;
  /** The client's choice; `auto` (or absent) lets the router decide. */
  readonly override?: ChatRouteName | 'auto';
}

export interface MessageRouter {
  route(query: RouteQuery): Promise<RouteDecision>;
}

const round = (score: number) => Math.round(score * 1000) / 1000;
const fixed = (score: number) => score.toFixed(3);

export function createMessageRouter(deps: {
  embeddings: EmbeddingService;
  semantic: SemanticRouter;
  /** Absent when this deployment has no document store to probe. */
  retrieval?: RetrievalProbe;
  thresholds: RouterThresholds;
  /** Told when the document store cannot be read: the router then decides without it. */
  onProbeError?: (error: unknown) => void;
}): MessageRouter {
  const { ragMinScore, routeMinSimilarity } = deps.thresholds;
  return {
    async route({ message, hasImage, override }) {
      if (override && override !== 'auto') {
        return {
          name: override,
          confidence: 1,
          stage: 'override',
          reason: `requested by the client (route: "${override}")`,
          candidates: [{ name: override, score: 1 }],
        };
      }
      const ruled = applyRules(message, hasImage);
      if (ruled) return ruled;

      const [vector] = (await deps.embeddings.embed([message])).vectors as [Float32Array];
      let probeFailed = false;
      const [match, semantic] = await Promise.all([
        deps.retrieval?.bestMatch(vector).catch((error: unknown) => {
          probeFailed = true;
          deps.onProbeError?.(error);
          return undefined;
        }),
        deps.semantic.score(vector),
      ]);
      const rag = deps.retrieval?.route;
      const candidates: RouteCandidate[] = [
        ...(rag && match ? [{ name: rag, score: round(match.score) }] : []),
        ...semantic.candidates
          .filter((c) => !(rag && match && c.name === 'rag'))
          .map((c) => ({ name: c.name, score: round(c.score) })),
      ].sort((a, b) => b.score - a.score);

      if (rag && match && match.score >= ragMinScore) {
        return {
          name: rag,
          confidence: round(match.score),
          stage: 'retrieval',
          reason:
            `the documents match the message: best score ${fixed(match.score)} ` +
            `(${match.documentId}#${match.chunkIndex}) ≥ ${ragMinScore}`,
          candidates,
        };
      }
      const documents = !rag
        ? 'no document store is configured'
        : probeFailed
          ? 'the document store could not be read'
          : match
            ? `the best document score ${fixed(match.score)} is below ${ragMinScore}`
            : 'no documents are ingested';
      const nearest = semantic.nearest;
      if (nearest && nearest.score >= routeMinSimilarity) {
        const name: ChatRouteName = nearest.route === 'rag' && rag ? rag : nearest.route;
        return {
          name,
          confidence: round(nearest.score),
          stage: 'semantic',
          reason:
            `${documents}; the closest example is "${nearest.text}" (${nearest.route}), ` +
            `similarity ${fixed(nearest.score)} ≥ ${routeMinSimilarity}`,
          candidates,
        };
      }
      return {
        name: 'llm',
        confidence: round(nearest?.score ?? 0),
        stage: 'fallback',
        reason:
          `${documents}; no example is close enough ` +
          `(best ${nearest ? `${fixed(nearest.score)}, "${nearest.text}"` : 'none'} < ${routeMinSimilarity}), ` +
          'so the LLM answers',
        candidates,
      };
    },
  };
}
