/**
 * Starts the suite as `npm start` does, under serverless-offline on a free 127.0.0.1 port, and calls every
 * route over HTTP: each route once, then the orders, loads and faults that a careless client or a failing
 * dependency produce. One server for the whole file (its functions are bundled into one folder).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitStatusOf, freePort, type LocalServer, startLocalServer } from '../../scripts/local-server';
import { withoutCost } from '../helpers/cost';
import { testDependencies } from '../helpers/dependencies';
import { expectStoresMatchRegistry } from '../helpers/document-invariant';
import { gradient } from '../helpers/images';
import { nonSnakeCaseKeys } from '../helpers/json-casing';

/** Documented configuration that serverless.yml does not list: it must reach the handlers all the same. */
const IMAGE_MAX_BYTES = 60_000;

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({
    env: {
      IMAGE_MAX_BYTES: String(IMAGE_MAX_BYTES),
      // The tiny embedder is random (every text is about 0.95 similar to every other): /chat may only be
      // decided by identical text here, an example utterance or a document's own text.
      CHAT_ROUTE_MIN_SIMILARITY: '0.9999',
      CHAT_RAG_MIN_SCORE: '0.9999',
      // Nothing listens there: the researcher fails fast, as it does offline, without leaving this machine.
      WIKIPEDIA_API_URL: `http://127.0.0.1:${await freePort()}/w/api.php`,
    },
    // Bundling every function takes a minute or more on a busy machine.
    timeoutMs: 240_000,
  });
}, 250_000);
afterAll(() => server?.stop());

/** Resident memory of the server process (every function runs inside it), in MiB. */
function serverRssMiB(): number {
  const status = readFileSync(`/proc/${server.process.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
}

/** Runs `count` calls, `concurrency` at a time. */
async function pooled<T>(count: number, concurrency: number, call: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await call(i);
      }
    }),
  );
  return results;
}

/**
 * `fetch`, with every JSON answer of the server checked, as it is read, to spell its keys in snake_case: the
 * end-to-end routes are the API as clients see it.
 */
async function serverFetch(url: string, init?: RequestInit): Promise<Response> {
  const response = await fetch(url, init);
  if (url.startsWith(server.url) && /json/i.test(response.headers.get('content-type') ?? '')) {
    const body: unknown = await response.clone().json();
    expect(nonSnakeCaseKeys(body), `keys not in snake_case: ${init?.method ?? 'GET'} ${url}`).toEqual([]);
  }
  return response;
}

const post = (
  path: string,
  body: unknown,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) =>
  serverFetch(`${server.url}${path}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

async function expectJsonError(response: Response, status: number, type: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/application\/json/);
  const body = (await response.json()) as { error: { type: string; request_id: string; message: string } };
  expect(body.error.type).toBe(type);
  expect(body.error.request_id).toBe(response.headers.get('x-request-id'));
  expect(JSON.stringify(body)).not.toMatch(/\n\s+at /);
}

describe('local server', () => {
  it('GET /health', async () => {
    const response = await serverFetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(await response.json()).toMatchObject({ status: 'ok', profile: 'tiny' });
  });

  it('keeps one copy of each model: 500 /sentiment calls, 20 at a time, stay under 1 GB', async () => {
    // Prepare: a fresh server, as `npm start` leaves it
    const before = serverRssMiB();
    // Act
    const statuses = await pooled(500, 20, async (i) => {
      const response = await post('/sentiment', { text: `review number ${i}: i loved it` });
      await response.arrayBuffer();
      return response.status;
    });
    // Assess
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const after = serverRssMiB();
    expect(after).toBeLessThan(1024);
    // One copy of the model, not one per concurrent request (each copy is about 40 MB)
    expect(after - before).toBeLessThan(200);
  }, 120_000);

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
    const listed = (await (await serverFetch(`${server.url}/documents`)).json()) as {
      documents: { document_id: string }[];
    };
    expect(listed.documents.map((d) => d.document_id)).toContain('e2e-doc');
    for (const route of ['/rag-faiss-query', '/rag-query']) {
      const answer = await post(route, { question: text, top_k: 2 });
      expect(answer.status).toBe(200);
      const body = (await answer.json()) as { sources: { document_id: string }[]; answer: string };
      expect(body.sources[0]?.document_id).toBe('e2e-doc');
    }
    const deleted = await serverFetch(`${server.url}/documents/e2e-doc`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    await expectJsonError(
      await serverFetch(`${server.url}/documents/e2e-doc`, { method: 'DELETE' }),
      404,
      'not_found',
    );
  });

  it('POST /caption-image as a multipart upload and as a raw body', async () => {
    const png = await gradient('png');
    const form = new FormData();
    form.append('image', new Blob([png], { type: 'image/png' }), 'photo.png');
    const multipartResponse = await serverFetch(`${server.url}/caption-image`, {
      method: 'POST',
      body: form,
    });
    expect(multipartResponse.status).toBe(200);
    // API Gateway base64-encodes every binary body, whatever its media type: so does the local server
    const captions = [((await multipartResponse.json()) as { caption: string }).caption];
    for (const type of ['application/octet-stream', 'image/png']) {
      const raw = await serverFetch(`${server.url}/caption-image`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: png,
      });
      expect(raw.status).toBe(200);
      captions.push(((await raw.json()) as { caption: string }).caption);
    }
    expect(new Set(captions).size).toBe(1);
    const jpeg = await serverFetch(`${server.url}/caption-image`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: await gradient('jpeg'),
    });
    expect(jpeg.status).toBe(200);
    await expectJsonError(
      await serverFetch(`${server.url}/caption-image`, {
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
    const response = await serverFetch(`${server.url}/qa-image-text`, { method: 'POST', body: form });
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
    const { status_url } = (await accepted.json()) as { status_url: string };
    let job: { status: string; images?: { url: string }[] } = { status: 'queued' };
    for (let i = 0; i < 100 && (job.status === 'queued' || job.status === 'running'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      job = (await (await serverFetch(status_url)).json()) as typeof job;
    }
    expect(job.status).toBe('succeeded');
    const image = await serverFetch(job.images?.[0]?.url as string);
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
    await expectJsonError(await serverFetch(`${server.url}/no-such-route`), 404, 'not_found');
    await expectJsonError(await serverFetch(`${server.url}/summarize`), 405, 'method_not_allowed');
  });
});

describe('POST /chat through the local server', () => {
  type ChatBody = {
    reply: string | null;
    route: { name: string; stage: string; reason: string; confidence: number };
    sources?: { document_id: string }[];
    session_id: string;
    trace: { step: string; status: string }[];
  };
  const chat = async (body: unknown, headers: Record<string, string> = {}) => {
    const response = await post('/chat', body, { 'content-type': 'application/json', ...headers });
    return { response, body: (await response.json()) as ChatBody };
  };

  it('holds a conversation that touches the LLM, RAG, captioning and sentiment, and forgets it', async () => {
    // Prepare: a document whose own text will match it exactly
    const text = 'The chat keeper wound the tower clock every morning before the first train left.';
    const ingested = await post('/documents', { id: 'chat-doc', text, source: 'chat.txt' });
    expect(ingested.status).toBe(201);
    const image = (await gradient('png')).toString('base64');
    const session = { session_id: 'e2e-chat' };
    // Act
    const joke = await chat({ message: 'Tell me a joke', ...session }, { 'x-request-id': 'e2e-chat-1' });
    const grounded = await chat({ message: text, ...session });
    const caption = await chat({ image: `data:image/png;base64,${image}`, ...session });
    const review = await chat({ message: 'Is this review positive or negative?', ...session });
    const poem = await chat({ message: 'Write a short poem about the sea', ...session });
    const question = await chat({ message: 'What colour is it?', image, dry_run: true });
    // Assess
    for (const turn of [joke, grounded, caption, review, poem]) {
      expect(turn.response.status).toBe(200);
      expect(turn.body.session_id).toBe('e2e-chat');
      expect(typeof turn.body.reply).toBe('string');
      expect(turn.body.trace.find((t) => t.step.startsWith('dispatch:'))?.status).toBe('ok');
    }
    expect(joke.response.headers.get('x-request-id')).toBe('e2e-chat-1');
    expect(
      [joke, grounded, caption, review, poem].map((t) => [t.body.route.name, t.body.route.stage]),
    ).toEqual([
      ['llm', 'semantic'],
      ['rag', 'retrieval'],
      ['caption', 'rule'],
      ['sentiment', 'semantic'],
      ['llm', 'semantic'],
    ]);
    expect(grounded.body.route.reason).toMatch(/best score 1\.000 \(chat-doc#0\)/);
    expect(grounded.body.sources?.[0]?.document_id).toBe('chat-doc');
    expect(review.body.reply).toMatch(/^(POSITIVE|NEGATIVE) /);
    expect(poem.body.trace.map((t) => t.step)).toContain('memory.read');
    expect(question.body).toMatchObject({ reply: null, route: { name: 'vqa', stage: 'rule' } });
    const forgotten = await fetch(`${server.url}/chat/e2e-chat`, { method: 'DELETE' });
    expect(withoutCost(await forgotten.json())).toEqual({ session_id: 'e2e-chat', deleted: true });
    const again = await fetch(`${server.url}/chat/e2e-chat`, { method: 'DELETE' });
    expect(withoutCost(await again.json())).toEqual({ session_id: 'e2e-chat', deleted: false });
  }, 120_000);

  it("passes the answering route's error on, and answers a bad request with JSON errors", async () => {
    // WIKIPEDIA_API_URL points at a closed local port: the researcher answers 502 after its retries
    await expectJsonError(
      await post('/chat', { message: 'the Eiffel Tower', route: 'researcher' }),
      502,
      'wikipedia_unavailable',
    );
    await expectJsonError(await post('/chat', { message: 'hi', route: 'teleport' }), 422, 'validation_error');
    await expectJsonError(await fetch(`${server.url}/chat`), 405, 'method_not_allowed');
  });
});

describe('local server under load and faults', () => {
  it('passes documented configuration to every function', async () => {
    // IMAGE_MAX_BYTES is not in serverless.yml; DATA_DIR is set per run
    const large = await gradient('png', 400, 300);
    expect(large.length).toBeGreaterThan(IMAGE_MAX_BYTES);
    await expectJsonError(
      await serverFetch(`${server.url}/caption-image`, {
        method: 'POST',
        headers: { 'content-type': 'image/png' },
        body: large,
      }),
      413,
      'payload_too_large',
    );
    const ingested = await post('/documents', { id: 'config-doc', text: 'Where is the data kept?' });
    expect(ingested.status).toBe(201);
    expect(existsSync(path.join(server.dataDir, 'registry'))).toBe(true);
  });

  it('survives ingest, query, re-ingest, delete and query in turn, then parallel writers', async () => {
    // Prepare: the orders that once aborted the process (FAISS used from one function, then another)
    const text = (n: number) =>
      `Document ${n} tells of harbour ${n}. Its lamp is lit at dusk by keeper ${n}.`;
    const ask = () => post('/rag-faiss-query', { question: 'who lights the lamp?', top_k: 3 });
    // Act
    const steps = [
      await post('/documents', { id: 'seq', text: text(1) }),
      await ask(),
      await post('/documents', { id: 'seq', text: text(2) }),
      await serverFetch(`${server.url}/documents/seq`, { method: 'DELETE' }),
      await ask(),
      await post('/documents', { id: 'seq', text: text(3) }),
      await ask(),
    ];
    const ingests = await Promise.all(
      Array.from({ length: 30 }, (_, i) => post('/documents', { id: `parallel-${i}`, text: text(i) })),
    );
    const reingests = await Promise.all(
      Array.from({ length: 30 }, (_, i) => post('/documents', { id: 'contended', text: text(100 + i) })),
    );
    // Assess
    expect(steps.map((r) => r.status)).toEqual([201, 200, 200, 200, 200, 201, 200]);
    expect(ingests.map((r) => r.status)).toEqual(Array(30).fill(201));
    for (const response of reingests) expect([200, 201, 409]).toContain(response.status);
    expect(reingests.some((r) => r.status === 200 || r.status === 201)).toBe(true);
    expect((await serverFetch(`${server.url}/health`)).status).toBe(200);
    const listed = (await (await serverFetch(`${server.url}/documents`)).json()) as {
      documents: { document_id: string }[];
    };
    const ids = listed.documents.map((d) => d.document_id);
    for (let i = 0; i < 30; i++) expect(ids).toContain(`parallel-${i}`);
    expect(ids).toContain('contended');
    const stores = testDependencies({ DATA_DIR: server.dataDir, CHROMA_URL: server.chromaUrl });
    try {
      await expectStoresMatchRegistry({
        registry: stores.registry,
        versions: stores.documentVersions,
        stores: await stores.vectorStores.all(),
      });
    } finally {
      await stores.runtime.dispose();
    }
    // Random tiny weights rank unrelated texts close together: FAISS answers, Chroma finds one by filter
    const faiss = await post('/rag-faiss-query', { question: text(7), top_k: 3 });
    expect(faiss.status).toBe(200);
    expect(((await faiss.json()) as { sources: unknown[] }).sources.length).toBeGreaterThan(0);
    const chroma = await post('/rag-query', {
      question: text(7),
      top_k: 1,
      filter: { document_ids: ['parallel-7'] },
    });
    expect(chroma.status).toBe(200);
    expect(((await chroma.json()) as { sources: { document_id: string }[] }).sources[0]?.document_id).toBe(
      'parallel-7',
    );
  }, 120_000);

  it('finishes 70 concurrent image jobs, answering every poll with JSON', async () => {
    // Prepare
    const submitted = await Promise.all(
      Array.from({ length: 70 }, (_, i) =>
        post('/generate-image', { prompt: `lighthouse ${i}`, steps: 2, width: 64, height: 64, seed: i }),
      ),
    );
    expect(submitted.map((r) => r.status)).toEqual(Array(70).fill(202));
    const urls = await Promise.all(
      submitted.map(async (r) => ((await r.json()) as { status_url: string }).status_url),
    );
    // Act: poll all of them at once until none is left running
    let views: { status: string }[] = [];
    for (let round = 0; round < 240; round++) {
      views = await Promise.all(
        urls.map(async (url) => {
          const response = await serverFetch(url);
          expect(response.status).toBe(200);
          expect(response.headers.get('content-type')).toMatch(/application\/json/);
          return (await response.json()) as { status: string };
        }),
      );
      if (views.every((v) => v.status === 'succeeded' || v.status === 'failed')) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // Assess
    expect(views.map((v) => v.status)).toEqual(Array(70).fill('succeeded'));
  }, 120_000);

  it('starts the embedded Chroma again when it dies', async () => {
    // Prepare
    const chroma = server.chroma;
    if (!chroma?.pid) throw new Error('the local server runs no embedded Chroma');
    const restartsBefore = chroma.restarts();
    // Act
    process.kill(chroma.pid, 'SIGKILL');
    let status = 0;
    for (let i = 0; i < 60 && status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = (await post('/rag-query', { question: 'who lights the lamp?', store: 'chroma' })).status;
    }
    // Assess
    expect(status).toBe(200);
    expect(chroma.restarts()).toBe(restartsBefore + 1);
  }, 60_000);

  it('reports a crash of the server with a non-zero status and stops the embedded Chroma', async () => {
    // Prepare
    const chromaUrl = server.chromaUrl as string;
    // Act: the whole process dies at once, as on an abort
    process.kill(server.process.pid as number, 'SIGKILL');
    const exit = await server.exited;
    // Assess
    expect(exit.signal).toBe('SIGKILL');
    expect(exitStatusOf(exit)).toBe(137);
    const chromaAnswers = await fetch(`${chromaUrl}/api/v2/heartbeat`)
      .then(() => true)
      .catch(() => false);
    expect(chromaAnswers).toBe(false);
  }, 30_000);
});
