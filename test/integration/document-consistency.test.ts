/**
 * Documents stay consistent across the registry and every vector store: concurrent writers of one id, a
 * store that fails, and a writer killed mid-ingest never leave the stores on different versions, and never
 * let a reader see a version that is not committed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler as remove } from '../../functions/documents-delete/handler';
import { createHandler as ingest } from '../../functions/documents-ingest/handler';
import { createHandler as list } from '../../functions/documents-list/handler';
import { createHandler as ragFaissQuery } from '../../functions/rag-faiss-query/handler';
import { freePort, PROJECT_ROOT } from '../../scripts/local-server';
import { type ChromaServer, startChromaServer } from '../../scripts/services/chroma-server';
import type { AppDependencies } from '../../shared/app/dependencies';
import type { VectorStore } from '../../shared/vectors/vector-store';
import { testDependencies } from '../helpers/dependencies';
import { httpEvent, invoke } from '../helpers/events';
import { faultyStore } from '../helpers/faulty-store';
import { PAUSED_LINE, type PausePoint } from '../helpers/pausing-blob-store';

let chroma: ChromaServer;
let collection = 0;
const created: AppDependencies[] = [];
beforeAll(async () => {
  chroma = await startChromaServer({
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'consistency-chroma-')),
    port: await freePort(),
  });
}, 60_000);
afterAll(async () => {
  await Promise.all(created.map((d) => d.runtime.dispose()));
  await chroma?.stop();
});

const tmp = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), prefix));

/** Dependencies over FAISS on a local directory and a Chroma collection of their own (or a dead Chroma). */
function corpus(
  options: {
    dataDir?: string;
    collection?: string;
    chromaDown?: boolean;
    decorate?: (store: VectorStore) => VectorStore;
  } = {},
) {
  const dataDir = options.dataDir ?? tmp('consistency-data-');
  const deps = testDependencies(
    {
      DATA_DIR: dataDir,
      CHROMA_URL: options.chromaDown ? 'http://127.0.0.1:9' : chroma.url,
      CHROMA_COLLECTION: options.collection ?? `consistency-${++collection}`,
      PINECONE_API_KEY: '',
      PINECONE_INDEX_HOST: '',
      RAG_STORE: 'chroma',
      FAISS_REFRESH_SECONDS: '0',
    },
    options.decorate ? { decorateVectorStore: options.decorate } : {},
  );
  created.push(deps);
  return { deps, dataDir, collection: deps.config.rag.chroma?.collection ?? '' };
}

const post = (handler: ReturnType<typeof ingest>, route: string, body: unknown) =>
  invoke(handler, httpEvent('POST', route, { body }));
const deleteEvent = (id: string) => ({ ...httpEvent('DELETE', `/documents/${id}`), pathParameters: { id } });

/** Text whose every chunk names its variant, in a number of sentences that depends on the variant. */
const variantText = (variant: number) =>
  Array.from(
    { length: 1 + (variant % 4) },
    (_, i) => `Variant ${variant} says the lamp was lit at ${i + 6} o'clock in the evening.`,
  ).join(' ');
const variantsIn = (texts: readonly string[]) =>
  new Set(texts.flatMap((t) => [...t.matchAll(/Variant (\d+)/g)].map((m) => Number(m[1]))));

/** Every chunk text a store returns for a document (a filtered query with a generous top k). */
async function textsIn(deps: AppDependencies, store: VectorStore, documentId: string) {
  const probe = (await deps.embeddings.embed(['probe'])).vectors[0] as Float32Array;
  return (await store.query(probe, 200, { documentIds: [documentId] })).map((m) => m.text);
}

async function listed(deps: AppDependencies) {
  const response = await invoke(list(deps), httpEvent('GET', '/documents'));
  return response.body.documents as { documentId: string; metadata?: Record<string, unknown> }[];
}

async function faissAnswers(deps: AppDependencies, question: string) {
  const response = await post(ragFaissQuery(deps), '/rag-faiss-query', { question, top_k: 20 });
  return (response.body.sources as { documentId: string; text: string }[]) ?? [];
}

describe('concurrent writers of one document', () => {
  it('leave the registry and every store on one and the same version', async () => {
    // Prepare: three containers over the same bucket and Chroma collection, as Lambda scales out
    // and each call to a store takes its own time.
    const jitter = (store: VectorStore) => faultyStore(store, { delayMs: () => Math.random() * 250 });
    const { deps, dataDir, collection: shared } = corpus({ decorate: jitter });
    const more = () => corpus({ dataDir, collection: shared, decorate: jitter }).deps;
    const containers = [deps, more(), more()];
    await post(ingest(deps), '/documents', { id: 'log', text: variantText(0), metadata: { variant: 0 } });

    // Act
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        post(ingest(containers[i % 3] as AppDependencies), '/documents', {
          id: 'log',
          text: variantText(i + 1),
          metadata: { variant: i + 1 },
        }),
      ),
    );

    // Assess
    console.log(responses.map((r) => r.statusCode).join(','));
    expect(responses.some((r) => r.statusCode === 200)).toBe(true);
    for (const r of responses) expect([200, 409, 503]).toContain(r.statusCode);
    const [record] = await listed(deps);
    const versions: Record<string, number[]> = { registry: [Number(record?.metadata?.variant)] };
    for (const store of await deps.vectorStores.all()) {
      versions[store.name] = [...variantsIn(await textsIn(deps, store, 'log'))];
    }
    const committed = versions.registry;
    expect(versions).toEqual({ registry: committed, faiss: committed, chroma: committed });
  }, 120_000);
});

describe('a store that is down', () => {
  it('fails a re-ingest without changing what any store answers', async () => {
    // Prepare
    const up = corpus();
    await post(ingest(up.deps), '/documents', { id: 'log', text: variantText(1), metadata: { variant: 1 } });
    const down = corpus({ dataDir: up.dataDir, chromaDown: true });

    // Act
    const response = await post(ingest(down.deps), '/documents', { id: 'log', text: variantText(2) });

    // Assess
    expect(response.statusCode).toBe(503);
    expect(variantsIn(await textsIn(up.deps, up.deps.vectorStores.faiss(), 'log'))).toEqual(new Set([1]));
    expect(variantsIn((await faissAnswers(up.deps, variantText(2))).map((s) => s.text))).toEqual(
      new Set([1]),
    );
  });

  it('either deletes a document everywhere readers look, or leaves it whole', async () => {
    // Prepare
    const up = corpus();
    await post(ingest(up.deps), '/documents', { id: 'log', text: variantText(1) });
    const down = corpus({ dataDir: up.dataDir, chromaDown: true });

    // Act
    const response = await invoke(remove(down.deps), deleteEvent('log'));

    // Assess
    const stillListed = (await listed(up.deps)).some((d) => d.documentId === 'log');
    const answered = (await faissAnswers(up.deps, variantText(1))).some((s) => s.documentId === 'log');
    if (response.statusCode === 200)
      expect({ stillListed, answered }).toEqual({ stillListed: false, answered: false });
    else
      expect({ status: response.statusCode, stillListed, answered }).toEqual({
        status: 503,
        stillListed: true,
        answered: true,
      });
  });
});

/** Runs the ingest child until it pauses at `point` (then SIGKILLs it) or finishes. */
async function ingestInChild(dataDir: string, documents: { id: string; text: string }[], point?: PausePoint) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/ingest-child.ts'], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      CHROMA_URL: '',
      PINECONE_API_KEY: '',
      PINECONE_INDEX_HOST: '',
      RAG_STORE: '',
      INGEST_DOCUMENTS: JSON.stringify(documents),
      ...(point ? { PAUSE_AT: JSON.stringify(point) } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise<'killed' | 'done'>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(PAUSED_LINE)) child.kill('SIGKILL');
    });
    child.once('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0 && output.includes('DONE')) resolve('done');
      else reject(new Error(`ingest child exited with ${code ?? signal}:\n${output}`));
    });
  });
}

describe('a writer killed mid-ingest', () => {
  it('leaves nothing a reader can see that the registry does not list', async () => {
    // Prepare
    const dataDir = tmp('consistency-killed-');

    // Act
    const outcome = await ingestInChild(dataDir, [{ id: 'orphan', text: variantText(3) }], {
      key: '^faiss/',
      occurrence: 1,
      when: 'after',
    });

    // Assess
    expect(outcome).toBe('killed');
    const reader = testDependencies({ DATA_DIR: dataDir, CHROMA_URL: '', FAISS_REFRESH_SECONDS: '0' });
    created.push(reader);
    expect(await listed(reader)).toEqual([]);
    expect(await faissAnswers(reader, variantText(3))).toEqual([]);
  }, 60_000);
});
