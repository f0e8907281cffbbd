/**
 * Text generation on a causal language model. Token counts are exact: the service tokenizes, generates and
 * decodes itself with the pipeline's own tokenizer and model.
 */
import type { Tensor } from '@huggingface/transformers';
import { RequestValidationError } from '../errors';
import { createExclusive } from '../models/exclusive';
import { elapsedMs, type ModelInfo, modelInfo } from '../models/model-info';
import type { ModelRuntime } from '../models/model-runtime';
import { charactersThatFit, formatCharacters } from '../text/characters-that-fit';
import { createCompletionText } from './completion-text';
import type { GenerateTextRequest } from './schema';

/**
 * Why a generation ended: the model's end-of-sequence token, `max_new_tokens`, a stop sequence, or the
 * caller's signal (a client that went away).
 */
export type FinishReason = 'length' | 'eos' | 'stop' | 'aborted';

export interface GenerateOptions {
  /** Receives the completion piece by piece as it is generated; the pieces concatenate to `completion`. */
  readonly onText?: (text: string) => void;
  /** Ends the generation at the next token (the result then says `aborted`). */
  readonly signal?: AbortSignal;
  /** Sequences that end the completion where the first of them appears; the completion leaves it out. */
  readonly stop?: readonly string[];
}

export interface GenerateTextResult {
  generated_text: string;
  completion: string;
  model: ModelInfo;
  usage: { prompt_tokens: number; completion_tokens: number };
  /** The seed sampling used (sampled requests only): send it back to reproduce the output. */
  seed?: number;
  finish_reason: FinishReason;
  timing_ms: number;
}

export interface TextGenerationService {
  generate(request: GenerateTextRequest, options?: GenerateOptions): Promise<GenerateTextResult>;
  /** The model's context window and its token counter, for callers that build prompts to fit. */
  promptLimits(): Promise<{ contextWindow: number; countTokens: (text: string) => number }>;
}

type CausalConfig = {
  max_position_embeddings?: number;
  n_positions?: number;
  eos_token_id?: number | number[];
};
const contextWindowOf = (config: CausalConfig) =>
  Number(config.max_position_embeddings ?? config.n_positions ?? 1024);

const randomSeed = () => Math.floor(Math.random() * 2 ** 32);

export function createTextGenerationService(deps: { runtime: ModelRuntime }): TextGenerationService {
  const sampling = createExclusive();

  return {
    async generate(request, options = {}) {
      const model = await deps.runtime.load('text-generation');
      // Loaded with the model already; imported here so that the function's cold start never waits for it.
      const { InterruptableStoppingCriteria, random } = await import('@huggingface/transformers');
      const started = performance.now();
      const { tokenizer, model: lm } = model.pipeline;
      const inputs = tokenizer(request.prompt);
      const promptTokens = (inputs.input_ids as Tensor).dims.at(-1) ?? 0;
      const config = lm.config as CausalConfig;
      const contextWindow = contextWindowOf(config);
      if (promptTokens + request.max_new_tokens > contextWindow) {
        const fit = charactersThatFit(request.prompt, promptTokens, contextWindow - request.max_new_tokens);
        throw new RequestValidationError([
          {
            path: 'prompt',
            message:
              `prompt is too long for max_new_tokens ${request.max_new_tokens}: about ${formatCharacters(fit)} ` +
              `characters of a prompt like this one fit the model's context with it (this one has ` +
              `${formatCharacters(request.prompt.length)}); shorten the prompt or lower max_new_tokens`,
          },
        ]);
      }
      const seed = request.do_sample ? (request.seed ?? randomSeed()) : undefined;
      const text = createCompletionText({
        decode: (ids) => tokenizer.decode(ids, { skip_special_tokens: true }),
        ...(options.stop ? { stop: options.stop } : {}),
        ...(options.onText ? { onText: options.onText } : {}),
      });
      const interrupt = new InterruptableStoppingCriteria();
      const abort = () => interrupt.interrupt();
      options.signal?.addEventListener('abort', abort);
      if (options.signal?.aborted) abort();
      let promptSeen = false;
      const streamer = {
        put(value: bigint[][]) {
          if (!promptSeen) {
            promptSeen = true;
            return;
          }
          const id = value[0]?.[0];
          if (id !== undefined && text.push(id)) interrupt.interrupt();
        },
        end() {},
      };
      const run = () =>
        lm.generate({
          ...inputs,
          streamer: streamer as never,
          stopping_criteria: [interrupt],
          max_new_tokens: request.max_new_tokens,
          do_sample: request.do_sample,
          temperature: request.temperature,
          top_k: request.top_k,
          top_p: request.top_p,
          repetition_penalty: request.repetition_penalty,
        }) as Promise<Tensor>;
      const output = await (seed === undefined
        ? run()
        : sampling(async () => {
            random.seed(seed);
            return run();
          })
      ).finally(() => options.signal?.removeEventListener('abort', abort));
      const ids = (output.tolist() as bigint[][])[0] ?? [];
      const newIds = ids.slice(promptTokens);
      const eos = lm.generation_config?.eos_token_id ?? config.eos_token_id;
      const eosIds = new Set((Array.isArray(eos) ? eos : [eos]).filter((x) => x !== undefined).map(Number));
      const lastId = newIds.at(-1);
      const completion = text.finish();
      const finishReason: FinishReason = text.stopped
        ? 'stop'
        : options.signal?.aborted
          ? 'aborted'
          : lastId !== undefined && eosIds.has(Number(lastId))
            ? 'eos'
            : 'length';
      return {
        generated_text: request.prompt + completion,
        completion,
        model: modelInfo(model),
        usage: { prompt_tokens: promptTokens, completion_tokens: newIds.length },
        ...(seed === undefined ? {} : { seed }),
        finish_reason: finishReason,
        timing_ms: elapsedMs(started),
      };
    },
    async promptLimits() {
      const { tokenizer, model } = (await deps.runtime.load('text-generation')).pipeline;
      return {
        contextWindow: contextWindowOf(model.config as CausalConfig),
        countTokens: (text: string) => (tokenizer(text).input_ids as Tensor).dims.at(-1) ?? 0,
      };
    },
  };
}
