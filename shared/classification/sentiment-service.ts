/** Sentiment of one text or a batch; a batch is one padded forward pass. */
import { elapsedMs, type ModelInfo, modelInfo } from '../models/model-info';
import type { ModelRuntime } from '../models/model-runtime';

export interface LabelScore {
  label: string;
  score: number;
}

export interface SentimentScore extends LabelScore {
  /** Every label's probability, highest first. */
  scores: LabelScore[];
}

export interface SentimentResult {
  results: SentimentScore[];
  model: ModelInfo;
  timing_ms: number;
}

export interface SentimentService {
  classify(texts: readonly string[]): Promise<SentimentResult>;
}

export function createSentimentService(deps: { runtime: ModelRuntime }): SentimentService {
  return {
    async classify(texts) {
      const model = await deps.runtime.load('sentiment');
      const started = performance.now();
      const raw = (await model.pipeline([...texts], { top_k: null })) as unknown as LabelScore[][];
      const results = raw.map((scores) => {
        const sorted = [...scores].sort((a, b) => b.score - a.score);
        const best = sorted[0] ?? { label: 'UNKNOWN', score: 0 };
        return { label: best.label, score: best.score, scores: sorted };
      });
      return { results, model: modelInfo(model), timing_ms: elapsedMs(started) };
    },
  };
}
