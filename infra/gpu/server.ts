/**
 * The GPU container's HTTP service: the same diffusion code as everywhere, on onnxruntime-node's CUDA
 * provider when the image installed it. `GET /health` (alive), `GET /ready` (the model is loaded; loads it),
 * `POST /v1/images/generations` (NDJSON: progress lines, then the result or an error), `POST /v1/vqa`
 * (BLIP-2: `{image_base64, question}` -> `{answer, model, execution_provider}`). The contract's schemas are
 * shared/diffusion/gpu-service-contract.ts.
 *
 * Requests are read and refused as the functions' are (shared/http): 413 for a body over the limit, 415 for
 * one that is not JSON, 400 for malformed JSON, 422 for invalid fields, every error as the suite's JSON
 * error body, mapped by the same code, with no stack trace or path of this machine in it.
 *
 * With a secret, every request but `GET /health` must carry it (`Authorization: Bearer <secret>`, compared in
 * constant time) or is answered 401. Without one the service serves only on a loopback address: `main`
 * refuses to bind any other.
 */
import { once } from 'node:events';
import http from 'node:http';
import { Logger } from '@aws-lambda-powertools/logger';
import { readSecret } from '../../shared/config/secrets';
import {
  type GenerationEvent,
  GenerationRequest,
  type VqaAnswer,
  VqaRequest,
} from '../../shared/diffusion/gpu-service-contract';
import type { ImageGenerator } from '../../shared/diffusion/image-generator';
import { createLocalImageGenerator } from '../../shared/diffusion/image-generator';
import {
  ConfigurationError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from '../../shared/errors';
import { type ErrorBody, errorResponse } from '../../shared/http/error-response';
import { readJsonRequest } from '../../shared/http/json-body';
import { requestIdFromHeader } from '../../shared/http/request-id';
import { type HttpResponse, jsonResponse } from '../../shared/http/response';
import { validate } from '../../shared/http/validate';
import { sniffImageFormat } from '../../shared/vision/image-input';
import { createLocalBlip2Provider, type VqaProvider } from '../../shared/vqa/vqa-providers';
import { type GpuConfig, loadGpuConfig } from './config';
import { carriesSecret, isLoopback } from './credential';

export interface GpuServerLimits {
  /** Body limit of `POST /v1/images/generations`. */
  readonly generationBodyBytes: number;
  /** Body limit of `POST /v1/vqa` (a base64 image). */
  readonly vqaBodyBytes: number;
}

/** The limits GPU_VARIABLES declares by default. */
export function gpuServerLimits(config: GpuConfig = loadGpuConfig({})): GpuServerLimits {
  return { generationBodyBytes: config.GENERATION_MAX_BODY_BYTES, vqaBodyBytes: config.VQA_MAX_BODY_BYTES };
}

type Route = (
  request: http.IncomingMessage,
  response: http.ServerResponse,
  requestId: string,
) => Promise<void>;

function write(response: http.ServerResponse, answer: HttpResponse, requestId: string): void {
  response.writeHead(answer.statusCode, { ...answer.headers, 'x-request-id': requestId });
  response.end(answer.body);
}

export function createGpuServer(deps: {
  generator: ImageGenerator;
  vqa?: VqaProvider;
  logger: Logger;
  limits?: GpuServerLimits;
  /** The shared secret requests must carry; unset, none is asked (a service bound to loopback only). */
  secret?: string;
}): http.Server {
  const limits = deps.limits ?? gpuServerLimits();
  let ready = false;

  const health: Route = async (_request, response, requestId) =>
    write(response, jsonResponse(200, { status: 'ok' }), requestId);

  const readiness: Route = async (_request, response, requestId) => {
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
    write(response, jsonResponse(200, { status: 'ready' }), requestId);
  };

  const generate: Route = async (request, response, requestId) => {
    const parameters = validate(
      GenerationRequest,
      await readJsonRequest(request, limits.generationBodyBytes),
    );
    response.writeHead(200, { 'content-type': 'application/x-ndjson', 'x-request-id': requestId });
    const send = (event: GenerationEvent) => response.write(`${JSON.stringify(event)}\n`);
    try {
      const result = await deps.generator.generate(parameters, (step, steps) => {
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
      // The status is sent: the error travels as the stream's last line, mapped as any error response is.
      const mapped = JSON.parse(errorResponse(error, requestId, deps.logger).body as string) as ErrorBody;
      send({ type: 'error', error: mapped.error });
    }
    response.end();
  };

  const answer: Route = async (request, response, requestId) => {
    const vqa = deps.vqa as VqaProvider;
    const body = validate(VqaRequest, await readJsonRequest(request, limits.vqaBodyBytes));
    const bytes = Buffer.from(body.image_base64, 'base64');
    const format = sniffImageFormat(bytes);
    if (!format) throw new UnsupportedMediaTypeError('The bytes are not a PNG, JPEG, WebP or GIF image');
    const { answer, model, executionProvider } = await vqa.answer({ bytes, format }, body.question);
    const answered: VqaAnswer = {
      answer,
      model,
      ...(executionProvider ? { execution_provider: executionProvider } : {}),
    };
    write(response, jsonResponse(200, answered), requestId);
  };

  const routes: Record<string, Record<string, Route>> = {
    '/health': { GET: health },
    '/ready': { GET: readiness },
    '/v1/images/generations': { POST: generate },
    ...(deps.vqa ? { '/v1/vqa': { POST: answer } } : {}),
  };

  return http.createServer(async (request, response) => {
    const header = request.headers['x-request-id'];
    const requestId = requestIdFromHeader(typeof header === 'string' ? header : undefined);
    const method = request.method ?? 'GET';
    try {
      const pathname = new URL(request.url ?? '/', 'http://gpu').pathname;
      const methods = Object.hasOwn(routes, pathname) ? routes[pathname] : undefined;
      if (!methods) throw new NotFoundError(`No route for ${method} ${pathname}`);
      const route = Object.hasOwn(methods, method) ? methods[method] : undefined;
      if (!route) throw new MethodNotAllowedError(method, pathname, Object.keys(methods));
      if (
        deps.secret !== undefined &&
        route !== health &&
        !carriesSecret(request.headers.authorization, deps.secret)
      )
        throw new UnauthorizedError(
          'this service needs its credential: send Authorization: Bearer <secret>',
          'Bearer realm="gpu-service"',
        );
      await route(request, response, requestId);
    } catch (error) {
      if (response.headersSent) {
        deps.logger.error('request failed after its answer started', { error: error as Error });
        response.end();
        return;
      }
      const mapped = errorResponse(error, requestId, deps.logger);
      // A body refused for its size is not read to its end: the connection closes after the answer.
      if (error instanceof PayloadTooLargeError) mapped.headers.connection = 'close';
      write(response, mapped, requestId);
    }
  });
}

/** Reads the configuration (every invalid variable named at once, then exit 1), then serves. */
async function main(): Promise<void> {
  let config: GpuConfig;
  try {
    config = loadGpuConfig();
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    console.error(
      JSON.stringify({
        level: 'ERROR',
        message: 'the GPU service cannot start: invalid configuration',
        problems: error.problems,
      }),
    );
    process.exit(1);
  }
  const logger = new Logger({ serviceName: 'genai-endpoints-gpu' });
  const secret =
    config.GPU_SERVICE_TOKEN ??
    (config.GPU_SERVICE_TOKEN_PARAMETER
      ? await readSecret({ parameter: config.GPU_SERVICE_TOKEN_PARAMETER })
      : undefined);
  if (secret === undefined && !isLoopback(config.HOST)) {
    // Whatever the log level: the operator must read why it stopped.
    console.error(
      JSON.stringify({
        level: 'ERROR',
        message: 'the GPU service cannot start: no secret, and HOST is not a loopback address',
        host: config.HOST,
        fix: 'set GPU_SERVICE_TOKEN (or GPU_SERVICE_TOKEN_PARAMETER), or HOST=127.0.0.1 for this machine only',
      }),
    );
    process.exit(1);
  }
  const locations = { profile: config.MODEL_PROFILE, modelRoot: config.MODEL_ROOT };
  const generator = createLocalImageGenerator({ locations, logger });
  const vqa = createLocalBlip2Provider({ locations, logger });
  const server = createGpuServer({
    generator,
    vqa,
    logger,
    limits: gpuServerLimits(config),
    ...(secret === undefined ? {} : { secret }),
  });
  server.listen(config.PORT, config.HOST);
  await once(server, 'listening');
  logger.info('GPU service listening', { address: server.address() });
}

if (import.meta.filename === process.argv[1]) await main();
