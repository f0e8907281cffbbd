/**
 * Extractive question answering with a SQuAD-style model (start and end logits over the tokens of
 * `[CLS] question [SEP] context [SEP]`). transformers.js's pipeline truncates a long context silently and
 * returns neither offsets nor distinct spans, so this service uses the pipeline's tokenizer and model and
 * does the rest itself: the context is read in overlapping windows that fit the model, every span of every
 * window is scored as the pipeline scores it (softmax of start times softmax of end), and the best distinct
 * answers are returned with their character offsets in the context.
 */
import type { Tensor } from '@huggingface/transformers';
import { RequestValidationError } from '../errors';
import { elapsedMs, type ModelInfo, modelInfo } from '../models/model-info';
import type { ModelRuntime } from '../models/model-runtime';
import { type TokenSpan, tokenOffsets } from './token-offsets';

export interface ExtractedAnswer {
  readonly answer: string;
  readonly score: number;
  /** Character offsets of the answer in its context: `context.slice(start, end) === answer`. */
  readonly start: number;
  readonly end: number;
}

export interface ExtractiveQaService {
  /** The best `topK` distinct answers in each context, in order of score. */
  extract(
    question: string,
    contexts: readonly string[],
    topK: number,
  ): Promise<{
    answers: ExtractedAnswer[][];
    model: ModelInfo;
    timing_ms: number;
  }>;
}

/** The longest answer considered, in tokens (the pipeline's own `max_answer_len` in Python is 15). */
const MAX_ANSWER_TOKENS = 30;
/** The fewest context tokens a window must leave room for beside the question. */
const MIN_CONTEXT_TOKENS = 16;
/** Tokens a window repeats of the one before, so an answer across a window's edge is whole in one. */
const WINDOW_OVERLAP = 64;
/** `[CLS] q [SEP] c [SEP]` adds three special tokens, and a window's text may tokenize a little longer. */
const SPECIAL_AND_SLACK = 5;

const softmax = (values: readonly number[]): number[] => {
  const max = Math.max(...values);
  const exps = values.map((v) => (Number.isFinite(v) ? Math.exp(v - max) : 0));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
};

interface Window {
  readonly context: number;
  /** Index of the window's first token in its context's tokens. */
  readonly first: number;
  readonly text: string;
  /** Where the window's text starts in its context. */
  readonly offset: number;
}

export function createExtractiveQaService(deps: { runtime: ModelRuntime }): ExtractiveQaService {
  return {
    async extract(question, contexts, topK) {
      const loaded = await deps.runtime.load('question-answering');
      const started = performance.now();
      const { tokenizer, model } = loaded.pipeline;
      const positions = (model.config as { max_position_embeddings?: number }).max_position_embeddings ?? 512;
      const maxLength = Math.min(tokenizer.model_max_length ?? positions, positions);
      const questionTokens = tokenizer.tokenize(question).length;
      const windowTokens = maxLength - questionTokens - SPECIAL_AND_SLACK;
      if (windowTokens < MIN_CONTEXT_TOKENS) {
        throw new RequestValidationError([
          {
            path: 'question',
            message: `the question is ${questionTokens} tokens long and leaves no room for the context in the model's window of ${maxLength} tokens: keep it under ${maxLength - MIN_CONTEXT_TOKENS - SPECIAL_AND_SLACK} tokens`,
          },
        ]);
      }

      const spansOf = contexts.map((context) => tokenOffsets(context, tokenizer.tokenize(context)));
      const windows: Window[] = [];
      spansOf.forEach((spans, c) => {
        const context = contexts[c] as string;
        const step = Math.max(1, windowTokens - WINDOW_OVERLAP);
        for (let first = 0; first < spans.length; first += step) {
          const last = Math.min(first + windowTokens, spans.length) - 1;
          const offset = (spans[first] as TokenSpan).start;
          windows.push({
            context: c,
            first,
            text: context.slice(offset, (spans[last] as TokenSpan).end),
            offset,
          });
          if (last === spans.length - 1) break;
        }
      });

      const candidates: { context: number; start: number; end: number; score: number }[] = [];
      if (windows.length > 0) {
        const inputs = tokenizer(
          windows.map(() => question),
          { text_pair: windows.map((w) => w.text), padding: true, truncation: true },
        );
        const output = (await model(inputs)) as { start_logits: Tensor; end_logits: Tensor };
        const ids = (inputs.input_ids as Tensor).tolist() as bigint[][];
        const [, length] = output.start_logits.dims as [number, number];
        const startData = output.start_logits.data as Float32Array;
        const endData = output.end_logits.data as Float32Array;
        const special = new Set(tokenizer.all_special_ids.map(Number));
        const sep = Number(tokenizer.sep_token_id);
        windows.forEach((window, w) => {
          const row = (ids[w] as bigint[]).map(Number);
          const contextStart = row.indexOf(sep) + 1;
          const spans = spansOf[window.context] as TokenSpan[];
          const masked = (data: Float32Array) =>
            Array.from(data.subarray(w * length, (w + 1) * length), (v, i) =>
              i < contextStart || special.has(row[i] as number) ? Number.NEGATIVE_INFINITY : v,
            );
          const startScores = softmax(masked(startData));
          const endScores = softmax(masked(endData));
          for (let s = contextStart; s < length; s++) {
            const ps = startScores[s] as number;
            if (ps === 0) continue;
            for (let e = s; e < Math.min(length, s + MAX_ANSWER_TOKENS); e++) {
              const pe = endScores[e] as number;
              const first = spans[window.first + s - contextStart];
              const last = spans[window.first + e - contextStart];
              if (pe === 0 || !first || !last) continue;
              candidates.push({ context: window.context, start: first.start, end: last.end, score: ps * pe });
            }
          }
        });
      }

      candidates.sort((a, b) => b.score - a.score);
      const answers = contexts.map(() => [] as ExtractedAnswer[]);
      const seen = contexts.map(() => new Set<string>());
      for (const candidate of candidates) {
        const list = answers[candidate.context] as ExtractedAnswer[];
        if (list.length >= topK) continue;
        const answer = (contexts[candidate.context] as string).slice(candidate.start, candidate.end);
        const key = answer.toLowerCase();
        const known = seen[candidate.context] as Set<string>;
        if (known.has(key)) continue;
        known.add(key);
        list.push({ answer, score: candidate.score, start: candidate.start, end: candidate.end });
      }
      return { answers, model: modelInfo(loaded), timing_ms: elapsedMs(started) };
    },
  };
}
