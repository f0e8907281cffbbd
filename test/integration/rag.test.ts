/**
 * Embeddings, ingestion and grounded answers through the handlers, on the tiny models, with every store for
 * real: native FAISS on a local directory and on S3 (s3rver), a Chroma server, the Pinecone contract server.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHandler as remove } from '../../functions/documents-delete/handler';
import { createHandler as ingest } from '../../functions/documents-ingest/handler';
import { createHandler as list } from '../../functions/documents-list/handler';
import { createHandler as s3Trigger } from '../../functions/documents-s3/handler';
import { createHandler as embed } from '../../functions/embed/handler';
import { createHandler as ragFaissQuery } from '../../functions/rag-faiss-query/handler';
import { createHandler as ragQuery } from '../../functions/rag-query/handler';
import { freePort } from '../../scripts/local-server';
import { type ChromaServer, startChromaServer } from '../../scripts/services/chroma-server';
import type { AppDependencies } from '../../shared/app/dependencies';
import { NOTHING_INGESTED, NOTHING_RELEVANT } from '../../shared/rag/answer-service';
import { createS3BlobStore } from '../../shared/storage/s3-blob-store';
import { testDependencies } from '../helpers/dependencies';
import { httpEvent, invoke } from '../helpers/events';
import { type PineconeContractServer, startPineconeContractServer } from '../helpers/pinecone-server';
import { type LocalS3, startLocalS3 } from '../helpers/s3-server';

let chroma: ChromaServer;
let pinecone: PineconeContractServer;
let s3: LocalS3;
let collection = 0;
const created: AppDependencies[] = [];

beforeAll(async () => {
  [chroma, pinecone, s3] = await Promise.all([
    freePort().then((port) =>
      startChromaServer({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'rag-chroma-')), port }),
    ),
    startPineconeContractServer(),
    startLocalS3('documents-bucket'),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all(created.map((d) => d.runtime.dispose()));
  await Promise.all([chroma?.stop(), pinecone?.stop(), s3?.stop()]);
});

/** A fresh corpus: its own data directory, Chroma collection and Pinecone namespace. */
function corpus(env: Record<string, string> = {}): AppDependencies {
  const n = ++collection;
  const deps = testDependencies({
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'rag-data-')),
    CHROMA_URL: chroma.url,
    CHROMA_COLLECTION: `corpus-${n}`,
    PINECONE_API_KEY: pinecone.apiKey,
    PINECONE_INDEX_HOST: pinecone.url,
    PINECONE_NAMESPACE: `corpus-${n}`,
    RAG_STORE: 'chroma',
    FAISS_REFRESH_SECONDS: '0',
    ...env,
  });
  created.push(deps);
  return deps;
}

const ARTICLE = [
  'The lighthouse keeper climbed the stairs every evening.',
  'He lit the great lamp before the sun went down.',
  'Ships far out at sea used the light to find the harbour.',
  'In winter the storms were strong and the waves were high.',
  'One night the lamp failed and the keeper used a lantern instead.',
  'The fishermen thanked him the next morning with fresh bread.',
  'Years later the lighthouse was automated and the keeper retired.',
  'He still walks to the cliff to watch the light every evening.',
].join(' ');

type Json = Record<string, unknown>;
/** DELETE /documents/{id} as API Gateway delivers it: the raw path and the decoded path parameter. */
const deleteEvent = (id: string) => ({
  ...httpEvent('DELETE', `/documents/${id}`),
  pathParameters: { id: decodeURIComponent(id) },
});
const post = (handler: ReturnType<typeof ingest>, route: string, body: unknown) =>
  invoke(handler, httpEvent('POST', route, { body }));
const storeCounts = async (deps: AppDependencies) =>
  Object.fromEntries(
    await Promise.all((await deps.vectorStores.all()).map(async (s) => [s.name, (await s.stats()).vectors])),
  );

describe('POST /embed', () => {
  it('returns one unit vector per text, in order, from one batch', async () => {
    const deps = corpus();
    const response = await post(embed(deps), '/embed', {
      texts: ['hello world', 'the lazy dog', 'hello world'],
    });
    expect(response.statusCode).toBe(200);
    const { embeddings, dimensions, model } = response.body as {
      embeddings: number[][];
      dimensions: number;
      model: Json;
    };
    expect(dimensions).toBe(32);
    expect(embeddings).toHaveLength(3);
    for (const v of embeddings) expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    expect(embeddings[0]).toEqual(embeddings[2]);
    expect(model).toEqual({ id: 'tiny-random/bert', profile: 'tiny' });
  });

  it('refuses an empty list, an empty text and more than 128 texts', async () => {
    const handler = embed(corpus());
    for (const texts of [[], [''], Array(129).fill('x')]) {
      expect((await post(handler, '/embed', { texts })).statusCode).toBe(422);
    }
  });
});

describe('documents', () => {
  it('ingests into every store, lists, replaces without orphans and deletes', async () => {
    // Small chunks, so that the article (about 100 tokens) makes several and a shorter version leaves orphans.
    const deps = corpus({ CHUNK_TOKENS: '40', CHUNK_OVERLAP_TOKENS: '8' });
    const first = await post(ingest(deps), '/documents', {
      id: 'lighthouse',
      text: ARTICLE,
      source: 'stories/lighthouse.txt',
    });
    expect(first.statusCode).toBe(201);
    const chunks = first.body.chunks as number;
    expect(chunks).toBeGreaterThan(1);
    expect(first.body).toMatchObject({
      document_id: 'lighthouse',
      replaced: false,
      stores: ['faiss', 'chroma', 'pinecone'],
    });
    expect(await storeCounts(deps)).toEqual({ faiss: chunks, chroma: chunks, pinecone: chunks });

    const listed = await invoke(list(deps), httpEvent('GET', '/documents'));
    expect(listed.body).toMatchObject({
      count: 1,
      documents: [{ document_id: 'lighthouse', chunks, source: 'stories/lighthouse.txt' }],
    });

    const shorter = await post(ingest(deps), '/documents', { id: 'lighthouse', text: 'The keeper retired.' });
    expect(shorter.statusCode).toBe(200);
    expect(shorter.body).toMatchObject({ replaced: true, chunks: 1 });
    expect(await storeCounts(deps)).toEqual({ faiss: 1, chroma: 1, pinecone: 1 });

    const deleted = await invoke(remove(deps), deleteEvent('lighthouse'));
    expect(deleted.statusCode).toBe(200);
    expect(await storeCounts(deps)).toEqual({ faiss: 0, chroma: 0, pinecone: 0 });
    const again = await invoke(remove(deps), deleteEvent('lighthouse'));
    expect(again.statusCode).toBe(404);
    const invalid = await invoke(remove(deps), deleteEvent('..%2Fetc'));
    expect(invalid.statusCode).toBe(422);
  });

  it('extracts the text of Markdown and HTML sent as base64, and refuses what is not text', async () => {
    const deps = corpus();
    const markdown = Buffer.from('# Title\n\nThe **keeper** lit the [lamp](http://x).').toString('base64');
    const html = Buffer.from(
      '<html><script>alert(1)</script><p>The keeper <b>lit</b> the lamp.</p></html>',
    ).toString('base64');
    const md = await post(ingest(deps), '/documents', {
      id: 'md',
      content_base64: markdown,
      content_type: 'text/markdown',
    });
    const htm = await post(ingest(deps), '/documents', {
      id: 'htm',
      content_base64: html,
      content_type: 'text/html',
    });
    expect([md.statusCode, htm.statusCode]).toEqual([201, 201]);
    const answer = await post(ragFaissQuery(deps), '/rag-faiss-query', {
      question: 'The keeper lit the lamp.',
      top_k: 5,
    });
    const texts = (answer.body.sources as { text: string }[]).map((s) => s.text).join(' | ');
    expect(texts).toContain('The keeper lit the lamp.');
    expect(texts).not.toContain('alert');
    expect(texts).not.toContain('**');

    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x81]).toString('base64');
    expect((await post(ingest(deps), '/documents', { content_base64: binary })).statusCode).toBe(422);
    expect((await post(ingest(deps), '/documents', { content_base64: 'not base64!' })).statusCode).toBe(422);
    expect((await post(ingest(deps), '/documents', { text: 'a', content_base64: 'YQ==' })).statusCode).toBe(
      422,
    );
    expect(
      (await post(ingest(deps), '/documents', { text: '<p></p>', content_type: 'text/html' })).statusCode,
    ).toBe(422);
  });

  it('changes nothing when a store is down, and says which', async () => {
    const deps = corpus({ CHROMA_URL: `http://127.0.0.1:${await freePort()}` });
    const response = await post(ingest(deps), '/documents', { id: 'doc', text: ARTICLE });
    expect(response.statusCode).toBe(503);
    expect((response.body as { error: { type: string; message: string } }).error).toMatchObject({
      type: 'vector_store_unavailable',
    });
    const { message } = (response.body as { error: { message: string } }).error;
    expect(message).toMatch(/^chroma upsert failed: the store is not reachable/);
    expect(message).not.toMatch(/CORS|browser/);
    expect((await deps.vectorStores.faiss().stats()).vectors).toBe(0);
    expect((await invoke(list(deps), httpEvent('GET', '/documents'))).body.count).toBe(0);
  });
});

describe('grounded answers', () => {
  let deps: AppDependencies;
  let chunkText: string;
  beforeAll(async () => {
    deps = corpus();
    await post(ingest(deps), '/documents', { id: 'lighthouse', text: ARTICLE, source: 'lighthouse.txt' });
    await post(ingest(deps), '/documents', {
      id: 'recipes',
      text: 'Bake the bread for forty minutes. Let it cool before cutting.',
    });
    const probe = await post(ragFaissQuery(deps), '/rag-faiss-query', {
      question: 'storms at sea',
      top_k: 20,
    });
    const sources = probe.body.sources as { text: string; document_id: string }[];
    chunkText = sources.find((s) => s.document_id === 'lighthouse' && s.text.includes('storms'))?.text ?? '';
    expect(chunkText).not.toBe('');
  });

  it.each([
    ['/rag-faiss-query', undefined],
    ['/rag-query', 'chroma'],
    ['/rag-query', 'pinecone'],
  ])(
    '%s (%s) returns the chunk whose text is the question first, cites it and names the prompt',
    async (route, store) => {
      const handler = route === '/rag-query' ? ragQuery(deps) : ragFaissQuery(deps);
      const response = await post(handler, route, {
        question: chunkText,
        top_k: 3,
        ...(store ? { store } : {}),
      });
      expect(response.statusCode).toBe(200);
      const body = response.body as {
        answer: string;
        sources: { text: string; score: number; document_id: string }[];
        store: string;
        prompt: { name: string; version: string };
      };
      expect(body.store).toBe(store ?? 'faiss');
      expect(body.sources[0]).toMatchObject({ document_id: 'lighthouse', text: chunkText });
      expect(body.sources[0]?.score).toBeCloseTo(1, 4);
      expect(body.answer).toMatch(/\[1\]/);
      expect(body.prompt).toEqual({ name: 'rag-answer', version: 'v1' });
    },
  );

  it('answers with a pinned prompt version, and refuses one that does not exist', async () => {
    const handler = ragFaissQuery(deps);
    const pinned = await post(handler, '/rag-faiss-query', { question: chunkText, prompt_version: 'v1' });
    expect(pinned.statusCode).toBe(200);
    expect(pinned.body.prompt).toEqual({ name: 'rag-answer', version: 'v1' });
    const missing = await post(handler, '/rag-faiss-query', { question: chunkText, prompt_version: 'v99' });
    expect(missing.statusCode).toBe(422);
    const error = missing.body.error as { type: string; message: string };
    expect(error.type).toBe('validation_error');
    expect(error.message).toContain('the prompt rag-answer has no version v99; available: v1');
  });

  it('filters /rag-query by document', async () => {
    const response = await post(ragQuery(deps), '/rag-query', {
      question: chunkText,
      filter: { document_ids: ['recipes'] },
    });
    const sources = response.body.sources as { document_id: string }[];
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.every((s) => s.document_id === 'recipes')).toBe(true);
  });

  it('says it does not know, with no sources, when nothing scores above the threshold', async () => {
    const strict = corpus({ RAG_MIN_SCORE: '0.9999' });
    await post(ingest(strict), '/documents', { id: 'lighthouse', text: ARTICLE });
    const response = await post(ragFaissQuery(strict), '/rag-faiss-query', {
      question: 'What do fishermen eat for breakfast?',
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({ answer: NOTHING_RELEVANT, sources: [] });
    expect(response.body.discarded as number).toBeGreaterThan(0);
  });

  it('answers from an empty corpus with no sources, not an error', async () => {
    const empty = corpus();
    for (const [handler, route] of [
      [ragFaissQuery(empty), '/rag-faiss-query'],
      [ragQuery(empty), '/rag-query'],
    ] as const) {
      const response = await post(handler, route, { question: 'Anything?' });
      expect(response.statusCode).toBe(200);
      expect(response.body).toMatchObject({ answer: NOTHING_INGESTED, sources: [] });
    }
  });

  it('answers 503 for a store that is not configured, and 422 for bad queries', async () => {
    const bare = testDependencies({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'rag-bare-')) });
    created.push(bare);
    const response = await post(ragQuery(bare), '/rag-query', { question: 'Anything?', store: 'pinecone' });
    expect(response.statusCode).toBe(503);
    expect(JSON.stringify(response.body)).toMatch(/PINECONE_INDEX_HOST/);
    for (const body of [{ question: '' }, { question: 'x', top_k: 21 }, { question: 'x', store: 'faiss' }]) {
      expect((await post(ragQuery(deps), '/rag-query', body)).statusCode).toBe(422);
    }
  });
});

describe('S3 ingestion and FAISS on S3', () => {
  beforeAll(() => {
    // The SDK's default credential chain reads these, as it reads the function's role on Lambda.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'S3RVER');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'S3RVER');
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  const s3Env = () => ({
    DOCUMENTS_BUCKET: 'documents-bucket',
    S3_ENDPOINT: s3.endpoint,
    FAISS_INDEX_KEY: `faiss/${Math.random().toString(36).slice(2)}.bin`,
    REGISTRY_PREFIX: `registry-${Math.random().toString(36).slice(2)}/`,
    CHROMA_URL: '',
    PINECONE_API_KEY: '',
    PINECONE_INDEX_HOST: '',
    RAG_STORE: '',
  });

  const s3Event = (eventName: string, key: string): S3Event => ({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: new Date().toISOString(),
        eventName,
        userIdentity: { principalId: 'test' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'r', 'x-amz-id-2': 'i' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'documents',
          bucket: {
            name: 'documents-bucket',
            ownerIdentity: { principalId: 'test' },
            arn: 'arn:aws:s3:::documents-bucket',
          },
          object: {
            key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'),
            size: 1,
            eTag: 'e',
            sequencer: '1',
          },
        },
      },
    ],
  });

  it('ingests an object created under the documents prefix, and deletes it when the object is removed', async () => {
    const env = s3Env();
    const deps = corpus(env);
    const blobsFor = (bucket: string) => createS3BlobStore({ client: s3.client, bucket });
    await s3.client.send(
      new PutObjectCommand({
        Bucket: 'documents-bucket',
        Key: 'documents/notes/keeper log.md',
        Body: '# Log\n\nThe lamp failed tonight.',
        ContentType: 'text/markdown',
      }),
    );
    const trigger = s3Trigger(deps, blobsFor);
    const created = await trigger(s3Event('ObjectCreated:Put', 'documents/notes/keeper log.md'));
    expect(created.results).toEqual([
      {
        key: 'documents/notes/keeper log.md',
        documentId: 'notes:keeper-log.md',
        outcome: 'ingested',
        chunks: 1,
      },
    ]);
    const listed = await invoke(list(deps), httpEvent('GET', '/documents'));
    expect(listed.body).toMatchObject({
      documents: [
        { document_id: 'notes:keeper-log.md', source: 's3://documents-bucket/documents/notes/keeper log.md' },
      ],
    });
    const answer = await post(ragFaissQuery(deps), '/rag-faiss-query', {
      question: 'Log The lamp failed tonight.',
    });
    expect((answer.body.sources as { document_id: string }[])[0]?.document_id).toBe('notes:keeper-log.md');

    const skipped = await trigger(s3Event('ObjectCreated:Put', 'elsewhere/file.txt'));
    expect(skipped.results[0]?.outcome).toBe('skipped');
    const removed = await trigger(s3Event('ObjectRemoved:Delete', 'documents/notes/keeper log.md'));
    expect(removed.results[0]?.outcome).toBe('deleted');
    expect((await deps.vectorStores.faiss().stats()).vectors).toBe(0);
  });

  it('keeps every vector when two containers ingest at the same time into the FAISS index on S3', async () => {
    const env = s3Env();
    const [left, right] = [corpus(env), corpus(env)];
    const docs = (prefix: string) =>
      Array.from({ length: 3 }, (_, i) => ({
        id: `${prefix}-${i}`,
        text: `${prefix} document ${i}. ${ARTICLE}`,
      }));
    const results = await Promise.all([
      ...docs('left').map((d) => post(ingest(left), '/documents', d)),
      ...docs('right').map((d) => post(ingest(right), '/documents', d)),
    ]);
    expect(results.map((r) => r.statusCode)).toEqual([201, 201, 201, 201, 201, 201]);
    const expected = results.reduce((sum, r) => sum + (r.body.chunks as number), 0);
    const reader = corpus(env);
    expect((await reader.vectorStores.faiss().stats()).vectors).toBe(expected);
    const listed = await invoke(list(reader), httpEvent('GET', '/documents'));
    expect(listed.body.count).toBe(6);
  });
});
