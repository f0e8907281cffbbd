/** Starts the suite under serverless-offline on a free 127.0.0.1 port and calls every route over HTTP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../scripts/local-server';
import { gradient } from '../helpers/images';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer();
}, 120_000);
afterAll(() => server?.stop());

const post = (
  path: string,
  body: unknown,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

async function expectJsonError(response: Response, status: number, type: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/application\/json/);
  const body = (await response.json()) as { error: { type: string; requestId: string; message: string } };
  expect(body.error.type).toBe(type);
  expect(body.error.requestId).toBe(response.headers.get('x-request-id'));
  expect(JSON.stringify(body)).not.toMatch(/\n\s+at /);
}

describe('local server', () => {
  it('GET /health', async () => {
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(await response.json()).toMatchObject({ status: 'ok', profile: 'tiny' });
  });

  it('POST /hello-llm', async () => {
    const response = await post('/hello-llm', { prompt: 'the quick brown fox', max_new_tokens: 5 });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { generated_text: string; model: { profile: string } };
    expect(body.generated_text.startsWith('the quick brown fox')).toBe(true);
    expect(body.model.profile).toBe('tiny');
  });

  it('POST /summarize', async () => {
    const response = await post('/summarize', {
      text: 'The fox jumps over the dog. The dog sleeps.',
      max_length: 10,
      min_length: 1,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ chunks: 1, model: { id: 'tiny-random/bart' } });
  });

  it('POST /sentiment, one text and a batch', async () => {
    const one = await post('/sentiment', { text: 'i love it' });
    const batch = await post('/sentiment', { texts: ['i love it', 'the food was bad'] });
    expect(one.status).toBe(200);
    expect(((await batch.json()) as { results: unknown[] }).results).toHaveLength(2);
  });

  it('POST /embed', async () => {
    const response = await post('/embed', { texts: ['hello world'] });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { dimensions: number }).dimensions).toBe(32);
  });

  it('ingests, lists, answers from FAISS and the embedded Chroma, and deletes a document', async () => {
    const text =
      'The lighthouse keeper lit the lamp every evening. Ships used the light to find the harbour.';
    const ingested = await post('/documents', { id: 'e2e-doc', text, source: 'e2e.txt' });
    expect(ingested.status).toBe(201);
    expect(((await ingested.json()) as { stores: string[] }).stores).toEqual(['faiss', 'chroma']);
    const listed = (await (await fetch(`${server.url}/documents`)).json()) as {
      documents: { documentId: string }[];
    };
    expect(listed.documents.map((d) => d.documentId)).toContain('e2e-doc');
    for (const route of ['/rag-faiss-query', '/rag-query']) {
      const answer = await post(route, { question: text, top_k: 2 });
      expect(answer.status).toBe(200);
      const body = (await answer.json()) as { sources: { documentId: string }[]; answer: string };
      expect(body.sources[0]?.documentId).toBe('e2e-doc');
    }
    const deleted = await fetch(`${server.url}/documents/e2e-doc`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    await expectJsonError(
      await fetch(`${server.url}/documents/e2e-doc`, { method: 'DELETE' }),
      404,
      'not_found',
    );
  });

  it('POST /caption-image as a multipart upload and as a raw body', async () => {
    const png = await gradient('png');
    const form = new FormData();
    form.append('image', new Blob([png], { type: 'image/png' }), 'photo.png');
    const multipartResponse = await fetch(`${server.url}/caption-image`, { method: 'POST', body: form });
    expect(multipartResponse.status).toBe(200);
    // serverless-offline base64-encodes only octet-stream and multipart bodies (API Gateway: any binary type)
    const raw = await fetch(`${server.url}/caption-image`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: png,
    });
    expect(raw.status).toBe(200);
    expect(((await raw.json()) as { caption: string }).caption).toBe(
      ((await multipartResponse.json()) as { caption: string }).caption,
    );
    await expectJsonError(
      await fetch(`${server.url}/caption-image`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: 'not an image',
      }),
      415,
      'unsupported_media_type',
    );
  });

  it('POST /qa-image-text', async () => {
    const form = new FormData();
    form.append('image', new Blob([await gradient('jpeg')], { type: 'image/jpeg' }), 'photo.jpg');
    form.append('question', 'What is in the picture?');
    const response = await fetch(`${server.url}/qa-image-text`, { method: 'POST', body: form });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ provider: 'blip2', model: 'tiny-random/blip2' });
  });

  it('POST /generate-image, then GET /jobs/{id} until done, then the image', async () => {
    const accepted = await post('/generate-image', {
      prompt: 'a lighthouse',
      steps: 2,
      width: 64,
      height: 64,
      seed: 1,
    });
    expect(accepted.status).toBe(202);
    const { statusUrl } = (await accepted.json()) as { statusUrl: string };
    let job: { status: string; images?: { url: string }[] } = { status: 'queued' };
    for (let i = 0; i < 100 && (job.status === 'queued' || job.status === 'running'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      job = (await (await fetch(statusUrl)).json()) as typeof job;
    }
    expect(job.status).toBe('succeeded');
    const image = await fetch(job.images?.[0]?.url as string);
    expect(image.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await image.arrayBuffer());
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  });

  it('answers bad requests with JSON errors', async () => {
    await expectJsonError(
      await post('/hello-llm', '{"prompt":', { 'content-type': 'application/json' }),
      400,
      'bad_request',
    );
    await expectJsonError(
      await post('/sentiment', 'text=hi', { 'content-type': 'text/plain' }),
      415,
      'unsupported_media_type',
    );
    await expectJsonError(await post('/sentiment', { text: 'x'.repeat(300_000) }), 413, 'payload_too_large');
    await expectJsonError(
      await post('/hello-llm', { prompt: 'hi', max_new_tokens: 0 }),
      422,
      'validation_error',
    );
    await expectJsonError(await fetch(`${server.url}/no-such-route`), 404, 'not_found');
    await expectJsonError(await fetch(`${server.url}/summarize`), 405, 'method_not_allowed');
  });
});
