/**
 * OpenAI's chat completions, completions, embeddings and model list over the suite's own generator and
 * embedder. Sampling follows OpenAI's defaults (temperature 1 samples; 0 is greedy decoding); `n` choices
 * are drawn with seeds `seed`, `seed + 1`, ..., so greedy decoding, which would repeat one text `n` times,
 * refuses `n > 1`. Streaming hands each chunk to `emit` as the tokens are generated.
 */
import { randomUUID } from 'node:crypto';
import type { EmbeddingService } from '../embeddings/embedding-service';
import { HttpError, RequestValidationError } from '../errors';
import type { GenerateTextRequest } from '../generation/schema';
import type {
  FinishReason,
  GenerateTextResult,
  TextGenerationService,
} from '../generation/text-generation-service';
import { MODEL_CATALOG, type ModelKey } from '../models/catalog';
import type { ModelRuntime } from '../models/model-runtime';
import { CHAT_STOP, renderChatPrompt } from './chat-prompt';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  Completion,
  CompletionRequest,
  EmbeddingList,
  EmbeddingRequest,
  ModelList,
  Usage,
} from './schema';

/** 404 with OpenAI's `model_not_found`: the request names a model this suite does not serve for the route. */
export class ModelNotFoundError extends HttpError {
  readonly statusCode = 404;
  readonly type = 'model_not_found';
}

export interface StreamOptions<Chunk> {
  /** Receives each chunk as soon as it is ready. */
  readonly emit: (chunk: Chunk) => void;
  /** Ends the generation (a client that went away). */
  readonly signal?: AbortSignal;
}

export interface OpenAiCompletions {
  chat(request: ChatCompletionRequest, stream?: StreamOptions<ChatCompletionChunk>): Promise<ChatCompletion>;
  complete(request: CompletionRequest, stream?: StreamOptions<Completion>): Promise<Completion>;
  embed(request: EmbeddingRequest): Promise<EmbeddingList>;
  models(): ModelList;
}

const DEFAULT_CHAT_MAX_TOKENS = 64;
/** OpenAI's own default for `/v1/completions`. */
const DEFAULT_COMPLETION_MAX_TOKENS = 16;

const openAiFinish = (reason: FinishReason): 'stop' | 'length' =>
  reason === 'length' || reason === 'aborted' ? 'length' : 'stop';
const nowSeconds = () => Math.floor(Date.now() / 1000);
const randomSeed = () => Math.floor(Math.random() * 2 ** 31);
const stopsOf = (stop: string | string[] | null | undefined): string[] =>
  stop === undefined || stop === null ? [] : typeof stop === 'string' ? [stop] : stop;

type SamplingFields = Pick<
  ChatCompletionRequest,
  'temperature' | 'top_p' | 'n' | 'seed' | 'max_tokens' | 'stream_options'
>;

/** The suite's generation requests for `n` choices, one per seed; refuses what greedy decoding cannot do. */
function generationPlan(
  fields: SamplingFields,
  prompt: string,
  maxTokens: number,
): { requests: GenerateTextRequest[]; seed?: number } {
  const n = fields.n ?? 1;
  const temperature = fields.temperature ?? 1;
  const sampling = temperature > 0;
  if (!sampling && n > 1) {
    throw new RequestValidationError([
      {
        path: 'n',
        message:
          'n > 1 needs sampling: with temperature 0 (greedy decoding) every choice would be the same text; ' +
          'set a temperature above 0 (each choice then gets its own seed: seed, seed + 1, ...)',
      },
    ]);
  }
  const seed = sampling ? (fields.seed ?? randomSeed()) : undefined;
  const base = {
    prompt,
    max_new_tokens: maxTokens,
    temperature: sampling ? temperature : 1,
    top_k: 0,
    top_p: fields.top_p ?? 1,
    repetition_penalty: 1,
    do_sample: sampling,
  };
  const requests = Array.from({ length: n }, (_, i) =>
    seed === undefined ? base : { ...base, seed: (seed + i) % 2 ** 32 },
  );
  return seed === undefined ? { requests } : { requests, seed };
}

function usageOf(results: readonly GenerateTextResult[], promptTokens: number): Usage {
  const completion = results.reduce((sum, r) => sum + r.usage.completion_tokens, 0);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completion,
    total_tokens: promptTokens + completion,
  };
}

export function createOpenAiCompletions(deps: {
  runtime: ModelRuntime;
  textGeneration: TextGenerationService;
  embeddings: EmbeddingService;
}): OpenAiCompletions {
  const servedId = (key: ModelKey) => deps.runtime.status().find((s) => s.key === key)?.id ?? '';
  /** The served model of `key`, if `name` is one of its names (the served id, or its standard or tiny id). */
  const resolveModel = (key: ModelKey, name: string, route: string) => {
    const served = servedId(key);
    const names = new Set([served, MODEL_CATALOG[key].standard.id, MODEL_CATALOG[key].tiny.id]);
    if (!names.has(name)) {
      throw new ModelNotFoundError(
        `The model '${name}' does not exist on ${route}; use '${served}' (GET /v1/models lists the models)`,
      );
    }
    return served;
  };

  return {
    async chat(request, stream) {
      const model = resolveModel('text-generation', request.model, '/v1/chat/completions');
      const id = `chatcmpl-${randomUUID()}`;
      const created = nowSeconds();
      const maxTokens = request.max_completion_tokens ?? request.max_tokens ?? DEFAULT_CHAT_MAX_TOKENS;
      const rendered = renderChatPrompt(request.messages, request.prompt_version);
      const plan = generationPlan(request, rendered.text, maxTokens);
      const stop = [...stopsOf(request.stop), ...CHAT_STOP];
      const chunks = (choices: ChatCompletionChunk['choices']): ChatCompletionChunk => ({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        system_fingerprint: model,
        choices,
      });
      const chunk = (choice: ChatCompletionChunk['choices'][number]) => chunks([choice]);
      const results: GenerateTextResult[] = [];
      for (const [index, generation] of plan.requests.entries()) {
        stream?.emit(
          chunk({ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }),
        );
        const result = await deps.textGeneration.generate(generation, {
          stop,
          ...(stream
            ? {
                onText: (content: string) =>
                  stream.emit(chunk({ index, delta: { content }, logprobs: null, finish_reason: null })),
                ...(stream.signal ? { signal: stream.signal } : {}),
              }
            : {}),
        });
        results.push(result);
        if (stream?.signal?.aborted) break;
        stream?.emit(
          chunk({ index, delta: {}, logprobs: null, finish_reason: openAiFinish(result.finish_reason) }),
        );
      }
      const usage = usageOf(results, results[0]?.usage.prompt_tokens ?? 0);
      if (stream && request.stream_options?.include_usage) stream.emit({ ...chunks([]), usage });
      return {
        id,
        object: 'chat.completion',
        created,
        model,
        system_fingerprint: model,
        choices: results.map((r, index) => ({
          index,
          message: { role: 'assistant', content: r.completion, refusal: null },
          logprobs: null,
          finish_reason: openAiFinish(r.finish_reason),
        })),
        usage,
        ...(plan.seed === undefined ? {} : { seed: plan.seed }),
        prompt: rendered.prompt,
      };
    },

    async complete(request, stream) {
      const model = resolveModel('text-generation', request.model, '/v1/completions');
      const id = `cmpl-${randomUUID()}`;
      const created = nowSeconds();
      const prompts = typeof request.prompt === 'string' ? [request.prompt] : request.prompt;
      const stop = stopsOf(request.stop);
      const envelope = (choices: Completion['choices']): Completion => ({
        id,
        object: 'text_completion',
        created,
        model,
        system_fingerprint: model,
        choices,
      });
      const choices: Completion['choices'] = [];
      let promptTokens = 0;
      let completionTokens = 0;
      let seed: number | undefined;
      for (const prompt of prompts) {
        if (stream?.signal?.aborted) break;
        const plan = generationPlan(request, prompt, request.max_tokens ?? DEFAULT_COMPLETION_MAX_TOKENS);
        seed ??= plan.seed;
        for (const generation of plan.requests) {
          const index = choices.length;
          if (stream && request.echo)
            stream.emit(envelope([{ index, text: prompt, logprobs: null, finish_reason: null }]));
          const result = await deps.textGeneration.generate(generation, {
            stop,
            ...(stream
              ? {
                  onText: (text: string) =>
                    stream.emit(envelope([{ index, text, logprobs: null, finish_reason: null }])),
                  ...(stream.signal ? { signal: stream.signal } : {}),
                }
              : {}),
          });
          if (stream?.signal?.aborted) break;
          const finish = openAiFinish(result.finish_reason);
          stream?.emit(envelope([{ index, text: '', logprobs: null, finish_reason: finish }]));
          choices.push({
            index,
            text: request.echo ? prompt + result.completion : result.completion,
            logprobs: null,
            finish_reason: finish,
          });
          completionTokens += result.usage.completion_tokens;
        }
        promptTokens += (await deps.textGeneration.promptLimits()).countTokens(prompt);
      }
      const usage = {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      };
      if (stream && request.stream_options?.include_usage) stream.emit({ ...envelope([]), usage });
      return { ...envelope(choices), usage, ...(seed === undefined ? {} : { seed }) };
    },

    async embed(request) {
      const model = resolveModel('embeddings', request.model, '/v1/embeddings');
      const inputs = typeof request.input === 'string' ? [request.input] : request.input;
      const result = await deps.embeddings.embed(inputs);
      if (request.dimensions !== undefined && request.dimensions !== result.dimensions) {
        throw new RequestValidationError([
          {
            path: 'dimensions',
            message: `${model} embeds in ${result.dimensions} dimensions and cannot shorten its vectors; leave dimensions out`,
          },
        ]);
      }
      const count = await deps.embeddings.tokenCounter();
      const tokens = inputs.reduce((sum, text) => sum + count(text), 0);
      return {
        object: 'list',
        data: result.vectors.map((vector, index) => ({
          object: 'embedding',
          index,
          embedding:
            request.encoding_format === 'base64'
              ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')
              : Array.from(vector),
        })),
        model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      };
    },

    models() {
      const created = nowSeconds();
      return {
        object: 'list',
        data: (['text-generation', 'embeddings'] as const).map((key) => ({
          id: servedId(key),
          object: 'model',
          created,
          owned_by: 'genai-endpoints',
        })),
      };
    },
  };
}
