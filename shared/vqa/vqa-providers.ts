/**
 * Who answers a question about an image: BLIP-2 (in this process, or in the GPU container over HTTP) or,
 * when a key is configured, Gemini through Google's own client.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { ApiError, GoogleGenAI } from '@google/genai';
import { type GpuCredential, gpuAuthorization } from '../diffusion/gpu-credential';
import { ServiceError, VqaAnswer, type VqaRequest } from '../diffusion/gpu-service-contract';
import {
  ContentBlockedError,
  HttpError,
  ModelUnavailableError,
  ServiceUnavailableError,
  UpstreamError,
} from '../errors';
import type { ModelLocations } from '../models/model-plan';
import { resolveOnnxModel } from '../models/onnx-models';
import type { ImageFormat } from '../vision/image-input';
import type { Blip2 } from './blip2';

export const VQA_PROVIDERS = ['blip2', 'gemini'] as const;
export type VqaProviderName = (typeof VQA_PROVIDERS)[number];

export interface VqaProviderAnswer {
  readonly answer: string;
  readonly model: string;
  readonly executionProvider?: string;
  /** The time the GPU service took to answer, where it answered (for the cost estimate's GPU seconds). */
  readonly gpuMs?: number;
}

export interface VqaProvider {
  readonly name: VqaProviderName;
  answer(image: { bytes: Buffer; format: ImageFormat }, question: string): Promise<VqaProviderAnswer>;
  dispose(): Promise<void>;
}

/**
 * BLIP-2 in this process: the catalog's model for the profile, loaded once (concurrent callers share the
 * load; a failed load is retried next time, so a model put in place later is picked up).
 */
export function createLocalBlip2Provider(deps: {
  /** Where the model is looked for, and the profile that picks it. */
  locations: ModelLocations;
  logger?: Logger;
  retryAfterSeconds?: number;
}): VqaProvider {
  const retryAfterSeconds = deps.retryAfterSeconds ?? 30;
  let loading: Promise<{ blip2: Blip2; id: string }> | undefined;
  const load = () => {
    loading ??= (async () => {
      const model = resolveOnnxModel('vqa', deps.locations, {
        retryAfterSeconds,
        ...(deps.logger ? { logger: deps.logger } : {}),
      });
      // onnxruntime and BLIP-2's code load with the model, not with a function that may ask Gemini instead
      const { loadBlip2 } = await import('./blip2');
      return { blip2: await loadBlip2(model.dir), id: model.id };
    })().catch((error: unknown) => {
      loading = undefined;
      if (error instanceof ModelUnavailableError) throw error;
      throw new ModelUnavailableError(`the BLIP-2 model cannot be loaded: ${(error as Error).message}`, {
        retryAfterSeconds,
        cause: error,
      });
    });
    return loading;
  };
  return {
    name: 'blip2',
    async answer(image, question) {
      const { blip2, id } = await load();
      const result = await blip2.answer(image.bytes, question);
      return { answer: result.answer, model: id, executionProvider: result.executionProvider };
    },
    async dispose() {
      const current = loading;
      loading = undefined;
      await (await current?.catch(() => undefined))?.blip2.dispose();
    },
  };
}

export function createRemoteBlip2Provider(deps: {
  url: string;
  timeoutMs: number;
  /** The service's shared secret; unset, requests carry none (a local service without one). */
  credential?: GpuCredential;
}): VqaProvider {
  const endpoint = `${deps.url.replace(/\/+$/, '')}/v1/vqa`;
  return {
    name: 'blip2',
    async answer(image, question) {
      const authorization = await gpuAuthorization(deps.credential);
      const started = performance.now();
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...authorization },
          body: JSON.stringify({
            image_base64: image.bytes.toString('base64'),
            question,
          } satisfies VqaRequest),
          signal: AbortSignal.timeout(deps.timeoutMs),
        });
      } catch (error) {
        throw new ServiceUnavailableError('the GPU service cannot be reached; retry later', { cause: error });
      }
      const body: unknown = await response.json().catch(() => undefined);
      if (!response.ok) {
        const refusal = ServiceError.safeParse(body);
        throw new UpstreamError(
          `the GPU service answered ${response.status}: ${refusal.success ? refusal.data.error.message : 'no answer'}`,
        );
      }
      const answer = VqaAnswer.safeParse(body);
      if (!answer.success)
        throw new UpstreamError(
          `the GPU service sent an unexpected answer: ${answer.error.issues[0]?.message}`,
        );
      return {
        answer: answer.data.answer,
        model: answer.data.model,
        ...(answer.data.execution_provider ? { executionProvider: answer.data.execution_provider } : {}),
        // The round trip: the GPU host is held for the request's whole time, transfer included.
        gpuMs: Math.ceil(performance.now() - started),
      };
    },
    async dispose() {},
  };
}

export function createGeminiProvider(deps: {
  apiKey: () => Promise<string>;
  model: string;
  baseUrl?: string;
  timeoutMs: number;
}): VqaProvider {
  let client: GoogleGenAI | undefined;
  const connect = async () => {
    client ??= new GoogleGenAI({
      apiKey: await deps.apiKey(),
      httpOptions: { timeout: deps.timeoutMs, ...(deps.baseUrl ? { baseUrl: deps.baseUrl } : {}) },
    });
    return client;
  };
  return {
    name: 'gemini',
    async answer(image, question) {
      try {
        const response = await (await connect()).models.generateContent({
          model: deps.model,
          contents: [
            {
              role: 'user',
              parts: [
                { inlineData: { mimeType: `image/${image.format}`, data: image.bytes.toString('base64') } },
                { text: question },
              ],
            },
          ],
        });
        const blocked = response.promptFeedback?.blockReason;
        if (blocked) throw new ContentBlockedError(`Gemini declined the request (${blocked})`);
        const candidate = response.candidates?.[0];
        if (!candidate) throw new UpstreamError('Gemini returned no candidate');
        if (candidate.finishReason === 'SAFETY')
          throw new ContentBlockedError('Gemini declined to answer (SAFETY)');
        return { answer: (response.text ?? '').trim(), model: response.modelVersion ?? deps.model };
      } catch (error) {
        if (error instanceof HttpError) throw error;
        if (error instanceof ApiError) {
          if (error.status === 429 || error.status >= 500) {
            throw new ServiceUnavailableError(`Gemini is unavailable (${error.status}): ${error.message}`, {
              retryAfterSeconds: 30,
              cause: error,
            });
          }
          throw new UpstreamError(`Gemini refused the request (${error.status}): ${error.message}`);
        }
        throw new ServiceUnavailableError(`Gemini cannot be reached: ${(error as Error).message}`, {
          cause: error,
        });
      }
    },
    async dispose() {},
  };
}
