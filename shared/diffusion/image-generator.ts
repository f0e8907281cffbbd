/**
 * Where images are generated: in this process (CPU locally, or CUDA inside the GPU container), or by the GPU
 * container over HTTP, which streams progress as NDJSON. Both speak the same interface, so a job runs the
 * same way against either.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { ModelUnavailableError, ServiceUnavailableError, UpstreamError } from '../errors';
import type { ModelLocations } from '../models/model-plan';
import { resolveOnnxModel } from '../models/onnx-models';
import { type GpuCredential, gpuAuthorization } from './gpu-credential';
import { GenerationEvent } from './gpu-service-contract';
import type { DiffusionParameters } from './schema';
import type { DiffusionResult, ProgressListener, StableDiffusion } from './stable-diffusion';

export interface ImageGenerator {
  /** Where images are made, for logs and responses. */
  readonly location: string;
  generate(parameters: DiffusionParameters, onProgress?: ProgressListener): Promise<DiffusionResult>;
  dispose(): Promise<void>;
}

/** The non-empty lines of an NDJSON stream, the last one included when no newline ends it. */
async function* ndjsonLines(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) yield line.trim();
  }
  buffered += decoder.decode();
  if (buffered.trim()) yield buffered.trim();
}

/** One NDJSON line, checked against the contract; a line that breaks it is the service's fault (502). */
function parseEvent(line: string): GenerationEvent {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new UpstreamError(`the GPU service sent a line that is not JSON: ${line.slice(0, 100)}`);
  }
  const parsed = GenerationEvent.safeParse(json);
  if (!parsed.success)
    throw new UpstreamError(`the GPU service sent an unexpected event: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/**
 * Loads the catalog's diffusion model for the profile once (concurrent callers share the load; a failed load
 * is retried next time, so a model put in place later is picked up).
 */
export function createLocalImageGenerator(deps: {
  /** Where the model is looked for, and the profile that picks it. */
  locations: ModelLocations;
  logger: Logger;
  retryAfterSeconds?: number;
}): ImageGenerator {
  const retryAfterSeconds = deps.retryAfterSeconds ?? 30;
  let loading: Promise<StableDiffusion> | undefined;
  const load = () => {
    loading ??= (async () => {
      const model = resolveOnnxModel('diffusion', deps.locations, { retryAfterSeconds, logger: deps.logger });
      const started = performance.now();
      // onnxruntime and the pipeline's code load with the model, not with the function that may use it
      const { loadStableDiffusion } = await import('./stable-diffusion');
      const pipeline = await loadStableDiffusion(model.dir);
      deps.logger.info('diffusion model loaded', {
        modelId: model.id,
        profile: model.profile,
        dir: model.dir,
        executionProvider: pipeline.executionProvider,
        loadMs: Math.round(performance.now() - started),
      });
      return pipeline;
    })().catch((error: unknown) => {
      loading = undefined;
      if (error instanceof ModelUnavailableError) throw error;
      throw new ModelUnavailableError(`the diffusion model cannot be loaded: ${(error as Error).message}`, {
        retryAfterSeconds,
        cause: error,
      });
    });
    return loading;
  };
  return {
    location: 'in-process',
    async generate(parameters, onProgress) {
      return (await load()).generate(parameters, onProgress);
    },
    async dispose() {
      const current = loading;
      loading = undefined;
      await (await current?.catch(() => undefined))?.dispose();
    },
  };
}

export function createRemoteImageGenerator(deps: {
  url: string;
  timeoutMs: number;
  /** The service's shared secret; unset, requests carry none (a local service without one). */
  credential?: GpuCredential;
}): ImageGenerator {
  const endpoint = `${deps.url.replace(/\/+$/, '')}/v1/images/generations`;
  return {
    location: deps.url,
    async generate(parameters, onProgress) {
      const authorization = await gpuAuthorization(deps.credential);
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/x-ndjson', ...authorization },
          body: JSON.stringify(parameters),
          signal: AbortSignal.timeout(deps.timeoutMs),
        });
      } catch (error) {
        throw new ServiceUnavailableError('the GPU service cannot be reached; retry later', {
          retryAfterSeconds: 30,
          cause: error,
        });
      }
      if (!response.ok || !response.body) {
        const text = await response.text().catch(() => '');
        throw new UpstreamError(`the GPU service answered ${response.status}: ${text.slice(0, 300)}`);
      }
      for await (const line of ndjsonLines(response.body)) {
        const event = parseEvent(line);
        if (event.type === 'progress') await onProgress?.(event.step, event.steps);
        else if (event.type === 'error')
          throw new UpstreamError(`the GPU service failed: ${event.error.message}`);
        else {
          return {
            images: event.images.map((b64) => Buffer.from(b64, 'base64')),
            seed: event.seed,
            executionProvider: event.execution_provider,
            stepMs: event.step_ms,
          };
        }
      }
      throw new UpstreamError('the GPU service closed the stream without a result');
    },
    async dispose() {},
  };
}
