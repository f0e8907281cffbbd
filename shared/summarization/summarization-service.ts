/**
 * Abstractive summaries of text of any length up to the documented limit: text longer than the encoder's
 * context is chunked on sentence boundaries, each chunk summarized, and the joined summaries summarized again
 * while they are still longer than one chunk (at most `maxRounds` rounds).
 */
import type { Tensor } from '@huggingface/transformers';
import { RequestValidationError } from '../errors';
import { elapsedMs, type ModelInfo, modelInfo } from '../models/model-info';
import type { ModelRuntime } from '../models/model-runtime';
import { formatCharacters } from '../text/characters-that-fit';
import { chunkBySentences, streamChunks } from '../text/sentence-chunker';
import { MAX_SUMMARY_JOB_TEXT_CHARS, MAX_SUMMARY_TEXT_CHARS, type SummarizeRequest } from './schema';

export interface SummarizeResult {
  summary: string;
  /** Chunks the input text was split into (1 when it fit the context). */
  chunks: number;
  /** Summarization passes: 1, plus one per merge of chunk summaries. */
  rounds: number;
  model: ModelInfo;
  usage: { input_tokens: number; summary_tokens: number };
  timing_ms: number;
}

export interface SummarizationService {
  /** The summary within the service's limits, or the ones given (a summary job's). */
  summarize(request: SummarizeRequest, limits?: SummarizationLimits): Promise<SummarizeResult>;
}

export interface SummarizationLimits {
  /**
   * Most chunks one request may produce in its first round: a bound on work. The route's default is one
   * (one chunk is what a synchronous request can afford at true size, see MAX_SUMMARY_TEXT_CHARS); text that
   * is denser than ordinary prose is refused rather than summarized past API Gateway's timeout.
   */
  readonly maxChunks: number;
  readonly maxRounds: number;
}

export const DEFAULT_SUMMARIZATION_LIMITS: SummarizationLimits = { maxChunks: 1, maxRounds: 3 };

export function createSummarizationService(deps: {
  runtime: ModelRuntime;
  limits?: SummarizationLimits;
}): SummarizationService {
  const defaults = deps.limits ?? DEFAULT_SUMMARIZATION_LIMITS;

  return {
    async summarize(request, limits = defaults) {
      const model = await deps.runtime.load('summarization');
      const started = performance.now();
      const summarizer = model.pipeline;
      const { tokenizer } = summarizer;
      const countTokens = (text: string) => (tokenizer(text).input_ids as Tensor).dims.at(-1) ?? 0;
      const config = summarizer.model.config as { max_position_embeddings?: number };
      const contextTokens = Math.min(
        tokenizer.model_max_length ?? 1024,
        config.max_position_embeddings ?? 1024,
      );

      const summarizeChunks = async (chunks: string[]) => {
        const parts: string[] = [];
        for (const chunk of chunks) {
          const [out] = (await summarizer(chunk, {
            max_new_tokens: request.max_length,
            min_new_tokens: request.min_length,
            num_beams: request.num_beams,
          })) as { summary_text: string }[];
          parts.push((out?.summary_text ?? '').trim());
        }
        return parts.filter((p) => p.length > 0).join(' ');
      };

      const firstChunks: string[] = [];
      for (const chunk of streamChunks(request.text, contextTokens, countTokens)) {
        firstChunks.push(chunk);
        if (firstChunks.length > limits.maxChunks) break;
      }
      if (firstChunks.length > limits.maxChunks) {
        const fit = firstChunks.slice(0, limits.maxChunks).reduce((sum, c) => sum + c.length, 0);
        throw new RequestValidationError([
          {
            path: 'text',
            message:
              `text is too dense to summarize in one request: about ${formatCharacters(fit)} characters of text ` +
              `like this fit (this one has ${formatCharacters(request.text.length)}); ordinary prose fits up to ` +
              `${formatCharacters(limits.maxChunks > 1 ? MAX_SUMMARY_JOB_TEXT_CHARS : MAX_SUMMARY_TEXT_CHARS)} characters`,
          },
        ]);
      }
      let summary = await summarizeChunks(firstChunks);
      let rounds = 1;
      while (
        firstChunks.length > 1 &&
        countTokens(summary) > request.max_length &&
        rounds < limits.maxRounds
      ) {
        summary = await summarizeChunks(chunkBySentences(summary, contextTokens, countTokens));
        rounds++;
      }
      return {
        summary,
        chunks: firstChunks.length,
        rounds,
        model: modelInfo(model),
        usage: { input_tokens: countTokens(request.text), summary_tokens: countTokens(summary) },
        timing_ms: elapsedMs(started),
      };
    },
  };
}
