/**
 * Whole-article sentiment: every sentence of the article is in exactly one window (windows of whole
 * sentences, cut with the classifier's own tokenizer), and the aggregate follows the whole text, not its
 * first 512 tokens. The classifier is a stand-in that scores by words, so the expected answer is known.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { baseDependencies } from '../../shared/app/base';
import { composeModelRuntime } from '../../shared/app/model-runtime';
import type { SentimentService } from '../../shared/classification/sentiment-service';
import { createArticleSentiment } from '../../shared/research/article-sentiment';

const runtime = composeModelRuntime(baseDependencies());
afterAll(() => runtime.dispose());

const seen: string[] = [];
/** NEGATIVE 0.9 for a window that says "terrible", else POSITIVE 0.8. */
const byWords: SentimentService = {
  async classify(texts) {
    seen.push(...texts);
    return {
      results: texts.map((text) => {
        const negative = text.includes('terrible') ? 0.9 : 0.2;
        const scores = [
          { label: 'NEGATIVE', score: negative },
          { label: 'POSITIVE', score: 1 - negative },
        ].sort((a, b) => b.score - a.score);
        return { label: scores[0]?.label ?? '', score: scores[0]?.score ?? 0, scores };
      }),
      model: { id: 'words', profile: 'tiny' },
      timing_ms: 0,
    };
  },
};

describe('article sentiment', () => {
  it('classifies every sentence, in windows, and weighs the whole text', async () => {
    // Prepare: 20 good sentences (well inside the first 512 tokens), then 60 bad ones.
    const good = Array.from(
      { length: 20 },
      (_, i) => `Sentence ${i} says the harbour was a lovely place to visit.`,
    );
    const bad = Array.from(
      { length: 60 },
      (_, i) => `Sentence ${20 + i} says the storm that night was terrible.`,
    );
    const article = [...good, ...bad].join(' ');
    const classifier = createArticleSentiment({
      runtime,
      sentiment: byWords,
      windowTokens: 64,
      batchSize: 4,
    });
    // Act
    const result = await classifier.classify(article);
    // Assess
    expect(seen.join(' ')).toBe(article);
    expect(result.windows).toBe(seen.length);
    expect(result.windows).toBeGreaterThan(8);
    expect(result.label).toBe('NEGATIVE');
    const negativeWindows = seen.filter((w) => w.includes('terrible')).length;
    expect(result.distribution).toEqual([
      { label: 'NEGATIVE', windows: negativeWindows },
      { label: 'POSITIVE', windows: result.windows - negativeWindows },
    ]);
    const weight = (w: string) => w.length;
    const total = seen.reduce((n, w) => n + weight(w), 0);
    const expected = seen.reduce((n, w) => n + (w.includes('terrible') ? 0.9 : 0.2) * weight(w), 0) / total;
    expect(result.score).toBeCloseTo(expected, 10);
    expect(result.scores.reduce((n, s) => n + s.score, 0)).toBeCloseTo(1, 10);
  });
});
