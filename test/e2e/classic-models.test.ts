/**
 * The classic generative routes through the local server, as `npm start` runs them (serverless-offline, the
 * bundled functions), on the tiny generated models: n-gram text, extractive question answering,
 * word similarity, image classification and the GAN, DDPM and EBM generators. One server for the file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../scripts/local-server';
import { withoutCost } from '../helpers/cost';
import { gradient } from '../helpers/images';
import { nonSnakeCaseKeys } from '../helpers/json-casing';

let server: LocalServer;
beforeAll(async () => {
  // Chroma is not used here: pointing it nowhere keeps the embedded one from starting.
  server = await startLocalServer({ env: { CHROMA_URL: 'http://127.0.0.1:9' }, timeoutMs: 240_000 });
}, 250_000);
afterAll(() => server?.stop());

async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.headers.get('content-type')).toMatch(/application\/json/);
  const json = (await response.json()) as Record<string, unknown>;
  expect(nonSnakeCaseKeys(json)).toEqual([]);
  return { status: response.status, body: json };
}

const errorType = (body: Record<string, unknown>) => (body.error as { type: string }).type;

describe('n-gram text on the local server', () => {
  it('trains a corpus, samples it reproducibly, and answers 4xx for what it cannot do', async () => {
    const trained = await post('/ngram/train', {
      corpus_id: 'e2e',
      text: 'a rose is a rose is a rose.',
      n: 2,
    });
    expect(trained).toMatchObject({ status: 200, body: { corpus_id: 'e2e', vocabulary_size: 4 } });
    const first = await post('/generate', { corpus_id: 'e2e', start: 'a', length: 8, seed: 42 });
    const again = await post('/generate', { corpus_id: 'e2e', start: 'a', length: 8, seed: 42 });
    expect(first.status).toBe(200);
    expect(withoutCost(again.body)).toEqual(withoutCost(first.body));
    const docs = await post('/generate', { start: 'the', length: 10, seed: 1 });
    expect(docs).toMatchObject({ status: 200, body: { corpus_id: 'project-docs' } });

    const unknownCorpus = await post('/generate', { corpus_id: 'nope', start: 'a' });
    expect([unknownCorpus.status, errorType(unknownCorpus.body)]).toEqual([404, 'not_found']);
    const unknownStart = await post('/generate', { corpus_id: 'e2e', start: 'tulip' });
    expect([unknownStart.status, errorType(unknownStart.body)]).toEqual([422, 'validation_error']);
    const empty = await post('/ngram/train', { corpus_id: 'empty', text: '' });
    expect([empty.status, errorType(empty.body)]).toEqual([422, 'validation_error']);
  });
});

describe('question answering on the local server', () => {
  const context = 'The keeper lit the lamp every evening, and ships found the harbour by its light.';

  it("extracts distinct spans with offsets, in the caller's template, the same every time", async () => {
    const body = {
      question: 'Who lit the lamp?',
      context,
      top_k: 3,
      template: { prefix: '- ', suffix: '.' },
    };
    const first = await post('/qa', body);
    expect(first.status).toBe(200);
    const answers = first.body.answers as { answer: string; formatted: string; start: number; end: number }[];
    expect(answers).toHaveLength(3);
    for (const a of answers) {
      expect(context.slice(a.start, a.end)).toBe(a.answer);
      expect(a.formatted).toBe(`- ${a.answer}.`);
    }
    expect((await post('/qa', body)).body.answers).toEqual(answers);
  });

  it('answers 422 for a question longer than the model window', async () => {
    const response = await post('/qa', { question: 'why '.repeat(499), context });
    expect([response.status, errorType(response.body)]).toEqual([422, 'validation_error']);
  });
});

describe('word similarity on the local server', () => {
  it('ranks a vocabulary by similarity, and refuses an empty one', async () => {
    const vocabulary = ['harbour', 'lighthouse', 'keeper'];
    const response = await post('/similar', { text: 'keeper', k: 2, vocabulary });
    expect(response.status).toBe(200);
    expect((response.body.results as { text: string }[])[0]?.text).toBe('keeper');
    const empty = await post('/similar', { text: 'keeper', vocabulary: [] });
    expect([empty.status, errorType(empty.body)]).toEqual([422, 'validation_error']);
  });
});

describe('image classification on the local server', () => {
  it('answers the top labels of both model slots, and 415 for bytes that are not an image', async () => {
    const png = await gradient('png', 64, 64);
    const form = new FormData();
    form.append('image', new Blob([png], { type: 'image/png' }), 'gradient.png');
    form.append('top_k', '2');
    const multipart = await fetch(`${server.url}/classify-image`, { method: 'POST', body: form });
    expect(multipart.status).toBe(200);
    expect(((await multipart.json()) as { labels: unknown[] }).labels).toHaveLength(2);
    const cifar = await post('/classify-image', { image_base64: png.toString('base64'), model: 'cifar10' });
    expect(cifar).toMatchObject({ status: 200, body: { model: { slot: 'cifar10' } } });
    const text = await post('/classify-image', { image_base64: Buffer.from('hello').toString('base64') });
    expect([text.status, errorType(text.body)]).toEqual([415, 'unsupported_media_type']);
  });
});

describe('classic generators on the local server', () => {
  it.each([
    ['/gan/generate', { count: 2, seed: 1 }],
    ['/diffusion/generate', { count: 1, steps: 5, sampler: 'ddpm', seed: 1 }],
    ['/ebm/generate', { count: 1, steps: 10, seed: 1 }],
  ])('%s answers PNGs, the same bytes for the same seed', async (route, body) => {
    const first = await post(route, body);
    const again = await post(route, body);
    expect(first.status).toBe(200);
    const images = first.body.images as { png_base64: string }[];
    expect(
      Buffer.from(images[0]?.png_base64 ?? '', 'base64')
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    expect(again.body.images).toEqual(images);
  });

  it('answers 422 for steps out of range', async () => {
    const response = await post('/ebm/generate', { steps: 5000 });
    expect([response.status, errorType(response.body)]).toEqual([422, 'validation_error']);
  });
});
