/**
 * The GPU container's HTTP service: the same diffusion code as everywhere, on onnxruntime-node's CUDA
 * provider when the image installed it. `GET /health` (alive), `GET /ready` (the model is loaded; loads it),
 * `POST /v1/images/generations` (NDJSON: progress lines, then the result or an error), `POST /v1/vqa`
 * (BLIP-2: `{image_base64, question}` -> `{answer, model, execution_provider}`). The contract's schemas are
 * shared/diffusion/gpu-service-contract.ts.
 */
import { once } from 'node:events';
import http from 'node:http';
import { Logger } from '@aws-lambda-powertools/logger';
import { ModelProfileSchema, resolveDiffusionModelDir } from '../../shared/diffusion/diffusion-model';
import {
  type GenerationEvent,
  GenerationRequest,
  type VqaAnswer,
  VqaRequest,
} from '../../shared/diffusion/gpu-service-contract';
import type { ImageGenerator } from '../../shared/diffusion/image-generator';
import { createLocalImageGenerator } from '../../shared/diffusion/image-generator';
import { HttpError } from '../../shared/errors';
import { sniffImageFormat } from '../../shared/vision/image-input';
import { createLocalBlip2Provider, type VqaProvider } from '../../shared/vqa/vqa-providers';
import { resolveBlip2Model } from '../../shared/vqa/vqa-service';

const json = (response: http.ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};

async function readBody(request: http.IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

export function createGpuServer(deps: {
  generator: ImageGenerator;
  vqa?: VqaProvider;
  logger: Logger;
}): http.Server {
  let ready = false;
  return http.createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://gpu');
    try {
      if (request.method === 'GET' && url.pathname === '/health')
        return json(response, 200, { status: 'ok' });
      if (request.method === 'GET' && url.pathname === '/ready') {
        if (!ready) {
          await deps.generator.generate({
            prompt: 'warm-up',
            negative_prompt: '',
            steps: 1,
            guidance_scale: 1,
            width: 64,
            height: 64,
            seed: 0,
            num_images: 1,
            scheduler: 'ddim',
          });
          ready = true;
        }
        return json(response, 200, { status: 'ready' });
      }
      if (request.method === 'POST' && url.pathname === '/v1/images/generations') {
        const parsed = GenerationRequest.safeParse(await readBody(request, 64 * 1024).catch(() => undefined));
        if (!parsed.success)
          return json(response, 422, { error: { type: 'validation_error', message: parsed.error.message } });
        response.writeHead(200, { 'content-type': 'application/x-ndjson' });
        const send = (event: GenerationEvent) => response.write(`${JSON.stringify(event)}\n`);
        try {
          const result = await deps.generator.generate(parsed.data, (step, steps) => {
            send({ type: 'progress', step, steps });
          });
          ready = true;
          send({
            type: 'result',
            images: result.images.map((image) => image.toString('base64')),
            seed: result.seed,
            execution_provider: result.executionProvider,
            step_ms: result.stepMs,
          });
        } catch (error) {
          deps.logger.error('generation failed', { error: error as Error });
          send({
            type: 'error',
            error: {
              type: error instanceof HttpError ? error.type : 'generation_failed',
              message: (error as Error).message,
            },
          });
        }
        response.end();
        return;
      }
      if (request.method === 'POST' && url.pathname === '/v1/vqa' && deps.vqa) {
        const parsed = VqaRequest.safeParse(await readBody(request, 8 * 1024 * 1024).catch(() => undefined));
        if (!parsed.success)
          return json(response, 422, { error: { type: 'validation_error', message: parsed.error.message } });
        const bytes = Buffer.from(parsed.data.image_base64, 'base64');
        const format = sniffImageFormat(bytes);
        if (!format)
          return json(response, 415, {
            error: { type: 'unsupported_media_type', message: 'not a PNG, JPEG, WebP or GIF image' },
          });
        const { answer, model, executionProvider } = await deps.vqa.answer(
          { bytes, format },
          parsed.data.question,
        );
        const body: VqaAnswer = {
          answer,
          model,
          ...(executionProvider ? { execution_provider: executionProvider } : {}),
        };
        return json(response, 200, body);
      }
      json(response, 404, { error: { type: 'not_found', message: `${request.method} ${url.pathname}` } });
    } catch (error) {
      deps.logger.error('request failed', { error: error as Error });
      if (!response.headersSent)
        json(response, error instanceof HttpError ? error.statusCode : 500, {
          error: { type: 'internal_error', message: 'internal error' },
        });
      else response.end();
    }
  });
}

if (import.meta.filename === process.argv[1]) {
  const logger = new Logger({ serviceName: 'genai-endpoints-gpu' });
  const profile = ModelProfileSchema.parse(process.env.MODEL_PROFILE ?? 'standard');
  const generator = createLocalImageGenerator({
    modelDir: () => resolveDiffusionModelDir({ profile, modelRoot: process.env.MODEL_ROOT ?? '/models' }),
    logger,
  });
  const modelRoot = process.env.MODEL_ROOT ?? '/models';
  const vqa = createLocalBlip2Provider({
    modelDir: () => resolveBlip2Model({ profile, modelRoot }).dir,
    modelId: () => resolveBlip2Model({ profile, modelRoot }).id,
  });
  const server = createGpuServer({ generator, vqa, logger });
  server.listen(Number(process.env.PORT ?? 8080), '0.0.0.0');
  await once(server, 'listening');
  logger.info('GPU service listening', { address: server.address() });
}
