/**
 * The `/v1` routes as OpenAI's own clients use them, against the local server as `npm start` runs it: the
 * official `openai` package (chat, completions, embeddings, models, and streaming through the server's
 * front), and LangChain's `OpenAIEmbeddings` in a retrieval round trip over documents ingested through
 * `POST /documents` (by the bulk ingestion script). One server for the whole file.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { OpenAIEmbeddings } from '@langchain/openai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFiles } from '../../scripts/ingest-documents';
import { freePort, type LocalServer, startLocalServer } from '../../scripts/local-server';
import { startFrontServer } from '../../scripts/streaming-server';

const MODEL = 'tiny-random/gpt2';
const EMBEDDER = 'tiny-random/bert';

let server: LocalServer;
let client: OpenAI;
beforeAll(async () => {
  // Bundling every function takes a minute or more on a busy machine.
  server = await startLocalServer({ timeoutMs: 240_000 });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'not-needed', maxRetries: 0 });
}, 250_000);
afterAll(() => server?.stop());

describe('the openai client', () => {
  it('lists the models and completes a chat', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([MODEL, EMBEDDER]);

    const chat = await client.chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Name a colour.' },
      ],
      max_tokens: 8,
      seed: 5,
    });
    expect(chat.object).toBe('chat.completion');
    expect(chat.choices[0]?.message.role).toBe('assistant');
    expect(chat.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('completes text with stop sequences and several sampled choices', async () => {
    const completion = await client.completions.create({
      model: MODEL,
      prompt: 'Once upon a time',
      max_tokens: 6,
      n: 2,
      temperature: 0.9,
      seed: 1,
      stop: ['\n'],
    });
    expect(completion.choices.map((c) => c.index)).toEqual([0, 1]);
    expect(completion.usage?.prompt_tokens).toBe(4);
  });

  it('raises its own typed error from the error shape of /v1', async () => {
    const refused = client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      n: 2,
      temperature: 0,
    });
    await expect(refused).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(refused).rejects.toMatchObject({ status: 400, param: 'n', code: 'validation_error' });
    await expect(
      client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('embeds (the client asks for base64 and decodes it)', async () => {
    const result = await client.embeddings.create({ model: EMBEDDER, input: ['one text', 'another text'] });
    expect(result.data).toHaveLength(2);
    const norm = Math.hypot(...(result.data[0]?.embedding ?? []));
    expect(norm).toBeCloseTo(1, 4);
  });

  it('streams a chat completion chunk by chunk, adding up to the same answer', async () => {
    const request = {
      model: MODEL,
      messages: [{ role: 'user' as const, content: 'Tell me a story.' }],
      max_tokens: 12,
      seed: 9,
    };
    const whole = await client.chat.completions.create(request);
    const stream = await client.chat.completions.create({ ...request, stream: true });
    let content = '';
    let chunks = 0;
    let finish: string | null = null;
    for await (const chunk of stream) {
      chunks += 1;
      content += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(chunks).toBeGreaterThan(2);
    expect(content).toBe(whole.choices[0]?.message.content);
    expect(finish).toBe(whole.choices[0]?.finish_reason);
  });

  it('streams a text completion', async () => {
    const stream = await client.completions.create({
      model: MODEL,
      prompt: 'The lighthouse',
      max_tokens: 8,
      temperature: 0,
      stream: true,
    });
    const pieces: string[] = [];
    for await (const chunk of stream) pieces.push(chunk.choices[0]?.text ?? '');
    expect(pieces.join('').length).toBeGreaterThan(0);
  });
});

describe('/hello-llm streaming over HTTP', () => {
  it('sends token events as they are generated, then the whole result', async () => {
    const response = await fetch(`${server.url}/hello-llm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'Once upon a time', max_new_tokens: 10, stream: true }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    const text = await response.text();
    expect(text.match(/^event: token$/gm)?.length).toBeGreaterThan(1);
    expect(text).toMatch(/event: done\ndata: \{"generated_text":/);
  });

  it('answers in one piece without "stream", through serverless-offline', async () => {
    const response = await fetch(`${server.url}/hello-llm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'Once upon a time', max_new_tokens: 3 }),
    });
    expect(response.headers.get('content-type')).toMatch(/json/);
    expect(
      ((await response.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens,
    ).toBe(3);
  });
});

describe("LangChain's OpenAIEmbeddings", () => {
  it('finds the document that /rag-faiss-query cites, over documents ingested in bulk', async () => {
    // Prepare: three documents ingested through POST /documents
    const folder = await mkdtemp(path.join(os.tmpdir(), 'openai-rag-'));
    const texts = {
      'keeper.txt': 'The keeper lit the lamp every evening before the sun went down.',
      'harbour.txt': 'Fishing boats returned to the harbour when the fog rolled in.',
      'storm.txt': 'In winter the storms were strong and the waves broke over the rocks.',
    };
    for (const [name, text] of Object.entries(texts)) await writeFile(path.join(folder, name), text);
    const outcomes = await ingestFiles(
      Object.keys(texts).map((name) => path.join(folder, name)),
      { url: server.url },
    );
    expect(outcomes.map((o) => o.status).sort()).toEqual([201, 201, 201]);
    const embeddings = new OpenAIEmbeddings({
      model: EMBEDDER,
      apiKey: 'not-needed',
      configuration: { baseURL: `${server.url}/v1` },
    });
    const question = texts['harbour.txt'];

    // Act: LangChain embeds the documents and the question through /v1/embeddings
    const documentVectors = await embeddings.embedDocuments(Object.values(texts));
    const questionVector = await embeddings.embedQuery(question);
    const scores = documentVectors.map((v) => v.reduce((sum, x, i) => sum + x * (questionVector[i] ?? 0), 0));
    const best = Object.keys(texts)[scores.indexOf(Math.max(...scores))];
    const rag = (await (
      await fetch(`${server.url}/rag-faiss-query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question, top_k: 1 }),
      })
    ).json()) as { sources: { document_id: string }[] };

    // Assess: the same document, by the same model, on both paths
    expect(best).toBe('harbour.txt');
    expect(rag.sources[0]?.document_id).toBe('harbour.txt');
    expect(Math.max(...scores)).toBeCloseTo(1, 4);
  });
});

describe('the local streaming front', () => {
  it('aborts the handler when the client disconnects mid-stream', async () => {
    // Prepare: a handler that streams until its client goes away
    let aborted: () => void = () => {};
    const sawAbort = new Promise<void>((resolve) => {
      aborted = resolve;
    });
    const front = await startFrontServer({
      port: await freePort(),
      upstreamPort: await freePort(),
      streamingPaths: ['/hello-llm'],
      streamingHandler: async () => async (_event, sink) => {
        sink.start(200, { 'content-type': 'text/event-stream' });
        sink.signal.addEventListener('abort', () => aborted());
        while (!sink.signal.aborted) {
          sink.write('event: token\ndata: {"text":"x"}\n\n');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await sink.end();
      },
    });
    const controller = new AbortController();

    // Act: read one event, then leave
    const response = await fetch(`${front.url}/hello-llm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'x', stream: true }),
      signal: controller.signal,
    });
    const reader = response.body?.getReader();
    await reader?.read();
    controller.abort();

    // Assess
    await expect(sawAbort).resolves.toBeUndefined();
    await front.close();
  });
});
