/**
 * The API functions' clients of the GPU service hold it to its contract: a line or an answer that breaks
 * the schema is an upstream error (502) that says so, never a result with missing fields.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createRemoteImageGenerator } from '../../shared/diffusion/image-generator';
import { UpstreamError } from '../../shared/errors';
import { createRemoteBlip2Provider } from '../../shared/vqa/vqa-providers';
import { gradient } from '../helpers/images';
import { listenOnLoopback } from '../helpers/loopback';

const parameters = {
  prompt: 'a lighthouse',
  negative_prompt: '',
  steps: 2,
  guidance_scale: 7.5,
  width: 64,
  height: 64,
  num_images: 1,
  scheduler: 'ddim' as const,
  seed: 1,
};

let stop: (() => Promise<void>) | undefined;
afterEach(() => stop?.());

/** A GPU service that answers every request with `status` and `body`. */
async function serviceAnswering(status: number, contentType: string, body: string) {
  const server = http.createServer((_request, response) => {
    response.writeHead(status, { 'content-type': contentType });
    response.end(body);
  });
  const listening = await listenOnLoopback(server);
  stop = listening.stop;
  return listening.url;
}

describe('the GPU service contract, as its clients check it', () => {
  it('reads a well-formed NDJSON stream: progress, then the result', async () => {
    // Prepare
    const png = await gradient('png');
    const lines = [
      { type: 'progress', step: 1, steps: 2 },
      { type: 'result', images: [png.toString('base64')], seed: 1, execution_provider: 'cpu', step_ms: 2.5 },
    ];
    const url = await serviceAnswering(
      200,
      'application/x-ndjson',
      lines.map((l) => JSON.stringify(l)).join('\n'),
    );
    const progress: number[] = [];
    // Act
    const result = await createRemoteImageGenerator({ url, timeoutMs: 5_000 }).generate(
      parameters,
      async (step) => {
        progress.push(step);
      },
    );
    // Assess
    expect(progress).toEqual([1]);
    expect(result).toMatchObject({ seed: 1, executionProvider: 'cpu', stepMs: 2.5 });
    expect(result.images[0]?.equals(png)).toBe(true);
  });

  it('refuses a result line that breaks the contract (fields of another spelling) and a line that is not JSON', async () => {
    // Prepare
    const camel = JSON.stringify({
      type: 'result',
      images: ['AAAA'],
      seed: 1,
      executionProvider: 'cpu',
      stepMs: 1,
    });
    const urls = [
      await serviceAnswering(200, 'application/x-ndjson', `${camel}\n`),
      await serviceAnswering(200, 'application/x-ndjson', 'not json\n'),
    ];
    // Act
    const outcomes = await Promise.allSettled(
      urls.map((url) => createRemoteImageGenerator({ url, timeoutMs: 5_000 }).generate(parameters)),
    );
    // Assess
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(UpstreamError);
    }
    expect(String((outcomes[0] as PromiseRejectedResult).reason.message)).toMatch(/unexpected event/);
  });

  it('refuses a VQA answer that breaks the contract, and passes on the message of a refusal', async () => {
    // Prepare
    const image = { bytes: await gradient('png'), format: 'png' as const };
    const noModel = await serviceAnswering(200, 'application/json', JSON.stringify({ answer: 'a circle' }));
    const ask = (url: string) => createRemoteBlip2Provider({ url, timeoutMs: 5_000 }).answer(image, 'what?');
    // Act
    const missing = ask(noModel);
    // Assess
    await expect(missing).rejects.toBeInstanceOf(UpstreamError);
    await expect(missing).rejects.toThrow(/unexpected answer/);
    const refused = await serviceAnswering(
      415,
      'application/json',
      JSON.stringify({ error: { type: 'unsupported_media_type', message: 'not a PNG' } }),
    );
    await expect(ask(refused)).rejects.toThrow(/answered 415: not a PNG/);
    const fine = await serviceAnswering(
      200,
      'application/json',
      JSON.stringify({ answer: 'a circle', model: 'tiny-random/blip2', execution_provider: 'cpu' }),
    );
    expect(await ask(fine)).toEqual({
      answer: 'a circle',
      model: 'tiny-random/blip2',
      executionProvider: 'cpu',
      gpuMs: expect.any(Number),
    });
  });
});
