/**
 * Sentiment of a whole article, not of its first 512 tokens: the text is cut into windows of whole
 * sentences by the suite's chunker (with the classifier's own tokenizer), every window is classified, and
 * the label probabilities are averaged, weighted by each window's length. The distribution says how many
 * windows leaned each way, so a mixed article is visible as mixed.
 */
import type { Tensor } from '@huggingface/transformers';
import type { LabelScore, SentimentService } from '../classification/sentiment-service';
import { elapsedMs, type ModelInfo } from '../models/model-info';
import type { ModelRuntime } from '../models/model-runtime';
import { streamChunks } from '../text/sentence-chunker';

export interface ArticleSentiment {
  label: string;
  score: number;
  /** Every label's length-weighted mean probability, highest first. */
  scores: LabelScore[];
  /** Windows the article was classified in. */
  windows: number;
  /** How many windows had each label as their most likely one. */
  distribution: { label: string; windows: number }[];
  model: ModelInfo;
  timing_ms: number;
}

export interface ArticleSentimentOptions {
  readonly runtime: ModelRuntime;
  readonly sentiment: SentimentService;
  /** Tokens of one window: a few sentences, well inside the classifier's 512. */
  readonly windowTokens?: number;
  /** Windows classified in one forward pass. */
  readonly batchSize?: number;
}

export function createArticleSentiment(options: ArticleSentimentOptions) {
  const windowTokens = options.windowTokens ?? 128;
  const batchSize = options.batchSize ?? 32;
  return {
    async classify(text: string): Promise<ArticleSentiment> {
      const { pipeline } = await options.runtime.load('sentiment');
      const started = performance.now();
      const countTokens = (t: string) => (pipeline.tokenizer(t).input_ids as Tensor).dims.at(-1) ?? 0;
      const windows = Array.from(streamChunks(text, windowTokens, countTokens));
      const totals = new Map<string, number>();
      const counts = new Map<string, number>();
      let weight = 0;
      let model: ModelInfo | undefined;
      for (let i = 0; i < windows.length; i += batchSize) {
        const batch = windows.slice(i, i + batchSize);
        const result = await options.sentiment.classify(batch);
        model = result.model;
        result.results.forEach((r, j) => {
          const w = batch[j]?.length ?? 0;
          weight += w;
          counts.set(r.label, (counts.get(r.label) ?? 0) + 1);
          for (const s of r.scores) totals.set(s.label, (totals.get(s.label) ?? 0) + s.score * w);
        });
      }
      if (!model) throw new RangeError('there is no text to classify');
      const scores = [...totals]
        .map(([label, total]) => ({ label, score: weight > 0 ? total / weight : 0 }))
        .sort((a, b) => b.score - a.score);
      const best = scores[0] as LabelScore;
      return {
        label: best.label,
        score: best.score,
        scores,
        windows: windows.length,
        distribution: scores.map(({ label }) => ({ label, windows: counts.get(label) ?? 0 })),
        model,
        timing_ms: elapsedMs(started),
      };
    },
  };
}

export type ArticleSentimentClassifier = ReturnType<typeof createArticleSentiment>;
