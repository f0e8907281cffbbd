/** The router evaluation: the labelled set is valid, every message is scored, and the rules are right. */
import { afterAll, describe, expect, it } from 'vitest';
import { confusionTable, defaultLabelledSet, evaluateRouter } from '../../scripts/router-eval/evaluate';
import { composeModelRuntime } from '../../shared/app/model-runtime';
import { loadConfig } from '../../shared/config/environment';
import { createEmbeddingService } from '../../shared/embeddings/embedding-service';
import { silentLogger } from '../helpers/dependencies';

const runtime = composeModelRuntime({ config: loadConfig(), logger: silentLogger() });
afterAll(() => runtime.dispose());

describe('npm run eval:router', () => {
  it('labels at least 80 messages across every route, ambiguous ones included', () => {
    const set = defaultLabelledSet();
    expect(set.messages.length).toBeGreaterThanOrEqual(80);
    expect(new Set(set.messages.map((m) => m.route))).toEqual(
      new Set(['llm', 'rag', 'image', 'caption', 'vqa', 'researcher', 'summarize', 'sentiment']),
    );
    expect(set.messages.some((m) => m.ambiguous)).toBe(true);
  });

  it('scores every message; on the tiny embedder the image rules are still exact', async () => {
    // Act
    const result = await evaluateRouter({
      embeddings: createEmbeddingService({ runtime }),
      thresholds: { ragMinScore: 0.5, routeMinSimilarity: 0.6 },
    });
    // Assess
    const counted = Object.values(result.confusion).flatMap((row) => Object.values(row));
    expect(counted.reduce((a, b) => a + b, 0)).toBe(result.total);
    expect(result.confusion.caption).toEqual({ caption: 8 });
    expect(result.confusion.vqa).toEqual({ vqa: 9 });
    expect(result.accuracy).toBe(result.correct / result.total);
    expect(confusionTable(result.confusion).split('\n')[0]).toMatch(/label \\ got\s+caption/);
  });
});
