/**
 * The GPU service over HTTP, as its clients see it: the suite's errors and statuses (413 for an oversized
 * body, 400 for malformed JSON, 415 for a body that is not JSON, 422 only for invalid fields), nothing
 * internal in any answer, and a process that refuses to start on invalid configuration, naming every problem.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpuServer } from '../../infra/gpu/server';
import { freePort } from '../../scripts/local-server';
import { loadConfig } from '../../shared/config/environment';
import { createRemoteImageGenerator, type ImageGenerator } from '../../shared/diffusion/image-generator';
import { ModelUnavailableError } from '../../shared/errors';
import { createRemoteBlip2Provider, type VqaProvider } from '../../shared/vqa/vqa-providers';
import { silentLogger } from '../helpers/dependencies';
import { gradient } from '../helpers/images';
import { internalsIn } from '../helpers/leaks';
import { listenOnLoopback } from '../helpers/loopback';

type ErrorBody = {
  error: { type: string; message: string; details?: { path: string; message: string }[]; request_id: string };
};

/** A generator that answers at once, or fails as a model that cannot load does (naming a path). */
function fakeGenerator(failWith?: Error): ImageGenerator {
  return {
    location: 'fake',
    async generate(parameters, onProgress) {
      if (failWith) throw failWith;
      for (let step = 1; step <= parameters.steps; step++) await onProgress?.(step, parameters.steps);
      return { images: [Buffer.from('png')], seed: parameters.seed, executionProvider: 'cpu', stepMs: 1 };
    },
    async dispose() {},
  };
}

function fakeVqa(failWith?: Error): VqaProvider {
  return {
    name: 'blip2',
    async answer() {
      if (failWith) throw failWith;
      return { answer: 'a gradient', model: 'fake-blip2', executionProvider: 'cpu' };
    },
    async dispose() {},
  };
}

const servers: { stop(): Promise<void> }[] = [];
async function serve(
  deps: { generator?: ImageGenerator; vqa?: VqaProvider; secret?: string } = {},
): Promise<string> {
  const server = createGpuServer({
    generator: deps.generator ?? fakeGenerator(),
    vqa: deps.vqa ?? fakeVqa(),
    logger: silentLogger(),
    ...(deps.secret ? { secret: deps.secret } : {}),
  });
  const listening = await listenOnLoopback(server);
  servers.push(listening);
  return listening.url;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

const generation = {
  prompt: 'a lighthouse',
  negative_prompt: '',
  steps: 2,
  guidance_scale: 7.5,
  width: 64,
  height: 64,
  seed: 7,
  num_images: 1,
  scheduler: 'ddim',
};

async function post(url: string, body: string | Buffer, contentType?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: contentType ? { 'content-type': contentType } : {},
    body,
  });
  const text = await response.text();
  expect(internalsIn(text), text).toEqual([]);
  return { status: response.status, text, headers: response.headers };
}

const errorOf = (text: string) => (JSON.parse(text) as ErrorBody).error;

describe('the GPU service maps request errors as the API does', () => {
  let url: string;
  beforeAll(async () => {
    url = await serve();
  });

  it('generates with streamed progress from a valid request', async () => {
    const { status, text } = await post(
      `${url}/v1/images/generations`,
      JSON.stringify(generation),
      'application/json',
    );
    expect(status).toBe(200);
    const events = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string });
    expect(events.map((e) => e.type)).toEqual(['progress', 'progress', 'result']);
  });

  it('answers 413 payload_too_large for a body over the limit, on both routes', async () => {
    const big = JSON.stringify({ ...generation, prompt: 'x'.repeat(70 * 1024) });
    const generate = await post(`${url}/v1/images/generations`, big, 'application/json');
    expect(generate.status).toBe(413);
    expect(errorOf(generate.text)).toMatchObject({ type: 'payload_too_large' });
    expect(errorOf(generate.text).message).toMatch(/limit is 65536 bytes/);

    const hugeImage = JSON.stringify({
      image_base64: Buffer.alloc(7 * 1024 * 1024).toString('base64'),
      question: 'What is it?',
    });
    const vqa = await post(`${url}/v1/vqa`, hugeImage, 'application/json');
    expect(vqa.status).toBe(413);
    expect(errorOf(vqa.text).type).toBe('payload_too_large');
  });

  it('answers 413 to a body without a length as soon as it passes the limit, and keeps serving', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // 64 MiB if nobody stops reading.
        if (sent++ < 1024) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await fetch(`${url}/v1/images/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(((await response.json()) as ErrorBody).error.type).toBe('payload_too_large');
    expect(sent).toBeLessThan(1024);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('answers 400 bad_request for malformed JSON and a forbidden key', async () => {
    const malformed = await post(`${url}/v1/images/generations`, '{"prompt":', 'application/json');
    expect(malformed.status).toBe(400);
    expect(errorOf(malformed.text).type).toBe('bad_request');
    const polluting = await post(
      `${url}/v1/vqa`,
      '{"__proto__":{"x":1},"image_base64":"aGk=","question":"q"}',
      'application/json',
    );
    expect(polluting.status).toBe(400);
    expect(errorOf(polluting.text).type).toBe('bad_request');
  });

  it('answers 415 unsupported_media_type for a body that is not application/json', async () => {
    const plain = await post(`${url}/v1/images/generations`, JSON.stringify(generation), 'text/plain');
    expect(plain.status).toBe(415);
    expect(errorOf(plain.text).type).toBe('unsupported_media_type');
    const none = await post(`${url}/v1/vqa`, Buffer.from(JSON.stringify({ question: 'q' })));
    expect(none.status).toBe(415);
  });

  it('answers 422 validation_error only for invalid fields, each listed by path', async () => {
    const invalid = await post(
      `${url}/v1/images/generations`,
      JSON.stringify({ ...generation, steps: 0, width: 65 }),
      'application/json',
    );
    expect(invalid.status).toBe(422);
    const error = errorOf(invalid.text);
    expect(error.type).toBe('validation_error');
    expect(error.details?.map((d) => d.path).sort()).toEqual(['steps', 'width']);
    const vqa = await post(`${url}/v1/vqa`, JSON.stringify({ question: '' }), 'application/json');
    expect(vqa.status).toBe(422);
    expect(
      errorOf(vqa.text)
        .details?.map((d) => d.path)
        .sort(),
    ).toEqual(['image_base64', 'question']);
  });

  it('answers JSON 404 with a request id for an unknown route, and echoes a well-formed x-request-id', async () => {
    const response = await fetch(`${url}/nowhere`, { headers: { 'x-request-id': 'client-42' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toBe('client-42');
    expect((await response.json()) as ErrorBody).toMatchObject({
      error: { type: 'not_found', request_id: 'client-42' },
    });
  });
});

describe('the GPU service hides internals when its work fails', () => {
  it('reports a model that cannot load as 503 model_unavailable, naming no path', async () => {
    const failure = new ModelUnavailableError(
      'the BLIP-2 model cannot be loaded: /srv/models/genai-endpoints/blip2 has no vision_model.onnx',
      { retryAfterSeconds: 30 },
    );
    const url = await serve({ vqa: fakeVqa(failure) });
    const image = (await gradient('png')).toString('base64');
    const response = await post(
      `${url}/v1/vqa`,
      JSON.stringify({ image_base64: image, question: 'What is it?' }),
      'application/json',
    );
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('30');
    expect(errorOf(response.text).type).toBe('model_unavailable');
    expect(response.text).not.toContain('/srv/models');
  });

  it('answers 500 internal_error without the message or stack of an unexpected error', async () => {
    const url = await serve({ vqa: fakeVqa(new Error('ENOENT: open /srv/secret/file at x (y.js:1:2)')) });
    const image = (await gradient('png')).toString('base64');
    const response = await post(
      `${url}/v1/vqa`,
      JSON.stringify({ image_base64: image, question: 'What is it?' }),
      'application/json',
    );
    expect(response.status).toBe(500);
    expect(errorOf(response.text).type).toBe('internal_error');
    expect(response.text).not.toContain('ENOENT');
    expect(response.text).not.toContain('/srv/');
  });

  it('streams a failed generation as an error line with the error type, naming no path', async () => {
    const url = await serve({
      generator: fakeGenerator(
        new ModelUnavailableError(
          'the diffusion model cannot be loaded: /srv/models/onnx-community/sd is not there',
        ),
      ),
    });
    const { status, text } = await post(
      `${url}/v1/images/generations`,
      JSON.stringify(generation),
      'application/json',
    );
    expect(status).toBe(200);
    const last = JSON.parse(text.trim().split('\n').at(-1) as string) as ErrorBody & { type: string };
    expect(last.type).toBe('error');
    expect(last.error.type).toBe('model_unavailable');
    expect(text).not.toContain('/srv/models');

    const crashing = await serve({ generator: fakeGenerator(new Error('boom at /srv/models/x')) });
    const crashed = await post(
      `${crashing}/v1/images/generations`,
      JSON.stringify(generation),
      'application/json',
    );
    const error = JSON.parse(crashed.text.trim().split('\n').at(-1) as string) as ErrorBody;
    expect(error.error).toMatchObject({ type: 'internal_error' });
    expect(crashed.text).not.toContain('boom');
  });
});

describe('the GPU service credential', () => {
  const secret = 'a-shared-secret-of-some-length';
  const call = (url: string, path: string, authorization?: string) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(generation),
    });

  it('answers 401 JSON without the secret or with a wrong one, and 200 with it', async () => {
    const url = await serve({ secret });
    for (const authorization of [undefined, 'Bearer wrong-secret', `Basic ${secret}`, 'Bearer ', secret]) {
      const response = await call(url, '/v1/images/generations', authorization);
      expect([authorization, response.status]).toEqual([authorization, 401]);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="gpu-service"');
      const body = (await response.json()) as ErrorBody;
      expect(body.error.type).toBe('unauthorized');
      expect(JSON.stringify(body)).not.toContain(secret);
    }
    const vqa = await fetch(`${url}/v1/vqa`, { method: 'POST', body: '{}' });
    expect(vqa.status).toBe(401);
    expect((await fetch(`${url}/ready`)).status).toBe(401);
    const allowed = await call(url, '/v1/images/generations', `Bearer ${secret}`);
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('"type":"result"');
    // The liveness probe of the container's orchestrator needs no secret and tells nothing.
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('is sent by the clients the functions use, which fail clearly without it', async () => {
    const url = await serve({ secret });
    const png = await gradient('png', 16, 16);
    const generator = createRemoteImageGenerator({ url, timeoutMs: 10_000, credential: async () => secret });
    const { seed } = await generator.generate({ ...generation, scheduler: 'ddim' });
    expect(seed).toBe(7);
    const blip2 = createRemoteBlip2Provider({ url, timeoutMs: 10_000, credential: async () => secret });
    expect((await blip2.answer({ bytes: png, format: 'png' }, 'what is it?')).answer).toBe('a gradient');

    const anonymous = createRemoteImageGenerator({ url, timeoutMs: 10_000 });
    await expect(anonymous.generate({ ...generation, scheduler: 'ddim' })).rejects.toThrow(/answered 401/);
    const wrong = createRemoteBlip2Provider({ url, timeoutMs: 10_000, credential: async () => 'not-it' });
    await expect(wrong.answer({ bytes: png, format: 'png' }, 'what is it?')).rejects.toThrow(/answered 401/);
  });

  it('is read from configuration by the functions: the value locally, else its SSM parameter', () => {
    const local = loadConfig({ GPU_SERVICE_URL: 'http://gpu:8080', GPU_SERVICE_TOKEN: secret });
    expect(local.jobs.gpuServiceToken).toEqual({ value: secret });
    const deployed = loadConfig({
      GPU_SERVICE_URL: 'http://gpu:8080',
      GPU_SERVICE_TOKEN_PARAMETER: 'genai-endpoints/gpu-service-token',
    });
    expect(deployed.jobs.gpuServiceToken).toEqual({ parameter: 'genai-endpoints/gpu-service-token' });
    // A deployed function never calls the GPU service without its secret.
    expect(() =>
      loadConfig({
        GPU_SERVICE_URL: 'http://gpu:8080',
        AWS_LAMBDA_FUNCTION_NAME: 'fn',
        CORS_ORIGIN: 'https://a.example',
      }),
    ).toThrow(/GPU_SERVICE_URL/);
  });
});

describe('the GPU service process', () => {
  const start = (env: Record<string, string>) =>
    spawn(process.execPath, ['--import', 'tsx', 'infra/gpu/server.ts'], {
      env: { ...process.env, MODEL_PROFILE: '', MODEL_ROOT: '', PORT: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  it('refuses to start on invalid configuration, naming every invalid variable at once', async () => {
    const child = start({ PORT: 'eighty', MODEL_PROFILE: 'large', GENERATION_MAX_BODY_BYTES: '-1' });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).not.toBe(0);
    expect(output).toMatch(/PORT/);
    expect(output).toMatch(/MODEL_PROFILE/);
    expect(output).toMatch(/GENERATION_MAX_BODY_BYTES/);
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('refuses to listen on every interface without a secret, and says how to fix it', async () => {
    const child = start({ HOST: '0.0.0.0', GPU_SERVICE_TOKEN: '', GPU_SERVICE_TOKEN_PARAMETER: '' });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(output).toMatch(/GPU_SERVICE_TOKEN/);
    expect(output).toMatch(/127\.0\.0\.1/);
  });

  /** Starts the server and waits for its /health; `check` runs against it, and the server stops after. */
  async function whileServing(env: Record<string, string>, check: (port: number) => Promise<void>) {
    const port = await freePort();
    const child = start({ PORT: String(port), MODEL_ROOT: '/nonexistent-models', ...env });
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    try {
      let healthy = false;
      for (let i = 0; i < 100 && !healthy && !exited; i++) {
        healthy = await fetch(`http://127.0.0.1:${port}/health`)
          .then((r) => r.ok)
          .catch(() => false);
        if (!healthy) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(healthy).toBe(true);
      await check(port);
    } finally {
      if (!exited) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    }
  }

  it('starts on loopback without a secret, and answers /health', async () => {
    await whileServing({ HOST: '127.0.0.1' }, async () => undefined);
  });

  it('starts with its defaults and a secret on the port it is given, and asks for the secret', async () => {
    await whileServing({ GPU_SERVICE_TOKEN: 'a-shared-secret-of-some-length' }, async (port) => {
      expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(401);
    });
  });
});
