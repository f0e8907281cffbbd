/**
 * A new version of a document embeds only the chunks whose text changed: the previous version's vectors,
 * kept beside the document, are reused, byte for byte what a forward pass gives.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chunkEmbeddingsPrefix, composeDocumentRecords } from '../../shared/app/document-records';
import { composeIngestion, composeVectorStores } from '../../shared/app/documents';
import type { EmbeddingService } from '../../shared/embeddings/embedding-service';
import { chunkHash, createChunkEmbeddings } from '../../shared/rag/chunk-embeddings';
import { testDependencies } from '../helpers/dependencies';

const deps = testDependencies({
  DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'embedding-reuse-')),
  CHROMA_URL: '',
  PINECONE_INDEX_HOST: '',
  CHUNK_TOKENS: '24',
  CHUNK_OVERLAP_TOKENS: '0',
});
afterAll(() => deps.runtime.dispose());

/** The embedder, counting the texts it runs forward passes on. */
const embedded: string[] = [];
const counting: EmbeddingService = {
  ...deps.embeddings,
  embed: (texts) => {
    embedded.push(...texts);
    return deps.embeddings.embed(texts);
  },
};
const records = composeDocumentRecords(deps);
const ingestion = composeIngestion(deps, {
  ...records,
  vectorStores: composeVectorStores(deps, records.blobs),
  embeddings: counting,
});
const stored = createChunkEmbeddings({
  blobs: records.blobs,
  prefix: chunkEmbeddingsPrefix(deps.config.rag.registryPrefix),
});

const SENTENCES = [
  'The lighthouse keeper climbed the stairs every evening.',
  'He lit the great lamp before the sun went down.',
  'Ships far out at sea used the light to find the harbour.',
  'In winter the storms were strong and the waves were high.',
  'One night the lamp failed and the keeper used a lantern instead.',
];

const ingest = async (text: string) => {
  embedded.length = 0;
  const answer = await ingestion.ingest({
    documentId: 'lighthouse',
    content: text,
    contentType: 'text/plain',
  });
  return { answer, forwardPasses: embedded.length };
};

describe('embeddings of unchanged chunks', () => {
  it('are reused by the next version, byte for byte, and only changed chunks are embedded', async () => {
    // Prepare: the first version embeds every chunk
    const first = await ingest(SENTENCES.join(' '));
    expect(first.answer.chunks).toBeGreaterThan(2);
    expect(first.answer.embeddings_reused).toBe(0);
    expect(first.forwardPasses).toBe(first.answer.chunks);

    // Act: the last sentence changes
    const edited = await ingest([...SENTENCES.slice(0, -1), 'One night the keeper slept.'].join(' '));
    const same = await ingest([...SENTENCES.slice(0, -1), 'One night the keeper slept.'].join(' '));

    // Assess
    expect(edited.answer.version).toBe(2);
    expect(edited.answer.embeddings_reused).toBeGreaterThan(0);
    expect(edited.forwardPasses).toBe(edited.answer.chunks - edited.answer.embeddings_reused);
    expect(edited.forwardPasses).toBeLessThan(first.forwardPasses);
    expect(same.answer.embeddings_reused).toBe(same.answer.chunks);
    expect(same.forwardPasses).toBe(0);
    const { fingerprint } = await deps.embeddings.identity();
    const kept = await stored.read('lighthouse', fingerprint);
    const chunks = (await records.documentVersions.get('lighthouse', same.answer.version))?.chunks ?? [];
    expect(chunks).toHaveLength(same.answer.chunks);
    const fresh = (await deps.embeddings.embed(chunks)).vectors;
    chunks.forEach((chunk, i) => {
      const vector = kept.get(chunkHash(chunk));
      expect(vector && Buffer.from(vector.buffer)).toEqual(Buffer.from((fresh[i] as Float32Array).buffer));
    });
    expect(kept.size).toBe(same.answer.chunks);
  });

  it('are never reused under another model, and an unreadable object only costs forward passes', async () => {
    // Prepare: the object names another model, then holds no JSON at all
    await stored.write('other', 'another-model@main:fp32:standard', [
      { text: SENTENCES[0] as string, vector: new Float32Array(32).fill(1) },
    ]);
    const underOther = await ingestion.ingest({
      documentId: 'other',
      content: SENTENCES[0] as string,
      contentType: 'text/plain',
    });
    await records.blobs.put(`${chunkEmbeddingsPrefix(deps.config.rag.registryPrefix)}other.json`, 'not json');
    const unreadable = await ingestion.ingest({
      documentId: 'other',
      content: SENTENCES[0] as string,
      contentType: 'text/plain',
    });

    // Assess
    expect(underOther.embeddings_reused).toBe(0);
    expect(unreadable.embeddings_reused).toBe(0);
    expect(unreadable.version).toBe(2);
  });

  it('are removed with the document', async () => {
    await ingestion.ingest({
      documentId: 'gone',
      content: SENTENCES[1] as string,
      contentType: 'text/plain',
    });
    const { fingerprint } = await deps.embeddings.identity();
    expect((await stored.read('gone', fingerprint)).size).toBe(1);
    await ingestion.remove('gone');
    expect((await stored.read('gone', fingerprint)).size).toBe(0);
  });
});
