/** The router on the tiny embedder: exact examples, the override, both thresholds, and a failing store. */
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/environment';
import { createEmbeddingService } from '../../shared/embeddings/embedding-service';
import { createModelRuntime } from '../../shared/models/model-runtime';
import { createTransformersPipelineFactory } from '../../shared/models/pipeline-factory';
import { defaultRouteExamples } from '../../shared/routing/examples';
import type { DocumentMatch, RetrievalProbe } from '../../shared/routing/retrieval-probe';
import { createMessageRouter } from '../../shared/routing/router';
import { createSemanticRouter } from '../../shared/routing/semantic-router';
import { silentLogger } from '../helpers/dependencies';

const config = loadConfig();
const runtime = createModelRuntime({
  profile: 'tiny',
  modelRoot: config.modelRoot,
  cacheDir: config.modelCacheDir,
  allowRemote: false,
  retryAfterSeconds: 1,
  createPipeline: createTransformersPipelineFactory({ remoteTimeoutMs: 1_000 }),
  logger: silentLogger(),
});
afterAll(() => runtime.dispose());
const embeddings = createEmbeddingService({ runtime });
const examples = defaultRouteExamples();
const semantic = createSemanticRouter({ embeddings, examples });

const probe = (match: DocumentMatch | undefined | Error): RetrievalProbe => ({
  route: 'rag-faiss',
  bestMatch: async () => {
    if (match instanceof Error) throw match;
    return match;
  },
});

const router = (options: {
  match?: DocumentMatch | Error;
  ragMinScore?: number;
  routeMinSimilarity?: number;
}) =>
  createMessageRouter({
    embeddings,
    semantic,
    retrieval: probe(options.match),
    thresholds: {
      ragMinScore: options.ragMinScore ?? 0.5,
      routeMinSimilarity: options.routeMinSimilarity ?? 0.6,
    },
  });

describe('the semantic router', () => {
  it('routes every example utterance to its own label, even with random weights', async () => {
    // Prepare: identical text embeds identically, so each example is its own nearest neighbour
    const route = router({ routeMinSimilarity: 0.99 });
    // Act
    const decisions = await Promise.all(
      examples.map(async (e) => ({ e, d: await route.route({ message: e.text, hasImage: false }) })),
    );
    // Assess: the rag label means the deployment's RAG route; rules may claim drawing requests first
    for (const { e, d } of decisions) {
      const expected = e.route === 'rag' ? 'rag-faiss' : e.route;
      expect(d.name, e.text).toBe(expected);
      if (d.stage === 'semantic') {
        expect(d.confidence).toBeGreaterThanOrEqual(0.999);
        expect(d.reason).toContain(`"${e.text}"`);
      } else expect(d.stage, e.text).toBe('rule');
    }
  });

  it('falls back to the LLM below the similarity threshold, naming the best score', async () => {
    // Act: no similarity reaches above 1
    const decision = await router({ routeMinSimilarity: 1.01 }).route({
      message: examples[0]?.text ?? '',
      hasImage: false,
    });
    // Assess
    expect(decision).toMatchObject({ name: 'llm', stage: 'fallback' });
    expect(decision.reason).toMatch(/no example is close enough \(best 1\.000, ".+" < 1\.01\)/);
    expect(decision.candidates.length).toBeGreaterThan(1);
    expect(decision.candidates.map((c) => c.score)).toEqual(
      [...decision.candidates.map((c) => c.score)].sort((a, b) => b - a),
    );
  });
});

describe('the retrieval-aware stage', () => {
  const match = { score: 0.7, documentId: 'lighthouse', chunkIndex: 2 };

  it('sends the message to RAG when the best document clears the threshold, naming the score', async () => {
    const decision = await router({ match, ragMinScore: 0.5 }).route({
      message: 'Tell me a joke',
      hasImage: false,
    });
    expect(decision).toMatchObject({ name: 'rag-faiss', stage: 'retrieval', confidence: 0.7 });
    expect(decision.reason).toBe('the documents match the message: best score 0.700 (lighthouse#2) ≥ 0.5');
    expect(decision.candidates).toContainEqual({ name: 'rag-faiss', score: 0.7 });
  });

  it('leaves the message to the examples below the threshold, and says so', async () => {
    const decision = await router({ match, ragMinScore: 0.75, routeMinSimilarity: 0.99 }).route({
      message: 'Tell me a joke',
      hasImage: false,
    });
    expect(decision).toMatchObject({ name: 'llm', stage: 'semantic' });
    expect(decision.reason).toMatch(/^the best document score 0\.700 is below 0\.75; the closest example/);
  });

  it('says when no documents are ingested', async () => {
    const decision = await router({ routeMinSimilarity: 0.99 }).route({
      message: 'Tell me a joke',
      hasImage: false,
    });
    expect(decision.reason).toMatch(/^no documents are ingested;/);
  });

  it('routes without the documents when their store fails', async () => {
    const decision = await router({ match: new Error('store down'), routeMinSimilarity: 0.99 }).route({
      message: 'Make this shorter',
      hasImage: false,
    });
    expect(decision).toMatchObject({ name: 'summarize', stage: 'semantic' });
    expect(decision.reason).toMatch(/^the document store could not be read;/);
  });
});

describe('the override and the rules', () => {
  it('takes the client route whatever the message says', async () => {
    const decision = await router({ match: { score: 1, documentId: 'd', chunkIndex: 0 } }).route({
      message: 'Draw a cat',
      hasImage: true,
      override: 'sentiment',
    });
    expect(decision).toEqual({
      name: 'sentiment',
      confidence: 1,
      stage: 'override',
      reason: 'requested by the client (route: "sentiment")',
      candidates: [{ name: 'sentiment', score: 1 }],
    });
  });

  it('applies the rules before the documents', async () => {
    const route = router({ match: { score: 1, documentId: 'd', chunkIndex: 0 } });
    expect((await route.route({ message: 'Draw a lighthouse', hasImage: false })).name).toBe('image');
    expect((await route.route({ message: 'What is this?', hasImage: true })).name).toBe('vqa');
    expect((await route.route({ message: 'auto', hasImage: true, override: 'auto' })).name).toBe('caption');
  });
});
