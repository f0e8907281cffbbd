/**
 * Nearest words or phrases by cosine similarity of the suite's sentence embeddings. A vocabulary is embedded
 * once per container and kept (the few most recent, by content), so a client that sends the same list
 * again, or asks the documents' vocabulary again before a document changes, pays only for its own text.
 */
import { createHash } from 'node:crypto';
import type { EmbeddingService } from '../embeddings/embedding-service';
import { RequestValidationError } from '../errors';
import { elapsedMs } from '../models/model-info';
import type { DocumentRegistry } from '../rag/document-registry';
import type { DocumentVersionStore } from '../rag/document-versions';
import { MAX_VOCABULARY, type SimilarResult } from './schema';

export interface SimilarityService {
  similar(request: {
    text: string;
    k: number;
    vocabulary?: readonly string[] | undefined;
  }): Promise<SimilarResult>;
}

interface EmbeddedVocabulary {
  readonly entries: readonly string[];
  readonly vectors: readonly Float32Array[];
}

/** Vocabularies kept per container: each is at most MAX_VOCABULARY vectors. */
const CACHED_VOCABULARIES = 8;
/** Texts embedded per forward pass. */
const EMBED_BATCH = 64;
/** Words the documents' vocabulary counts: letters, inner hyphens and apostrophes, three letters or more. */
const WORD = /\p{L}[\p{L}'’-]*\p{L}/gu;
const MIN_WORD_LENGTH = 3;

/** The most frequent words of the texts (ties alphabetical), lowercased, at most MAX_VOCABULARY. */
export function vocabularyOf(texts: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const [word] of text.toLowerCase().matchAll(WORD)) {
      if (word.length >= MIN_WORD_LENGTH) counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  return [...counts]
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .slice(0, MAX_VOCABULARY)
    .map(([word]) => word);
}

const dot = (a: Float32Array, b: Float32Array) => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
};

export function createSimilarityService(deps: {
  embeddings: EmbeddingService;
  registry: DocumentRegistry;
  documentVersions: DocumentVersionStore;
}): SimilarityService {
  const cache = new Map<string, Promise<EmbeddedVocabulary>>();

  function embedded(entries: readonly string[]): {
    vocabulary: Promise<EmbeddedVocabulary>;
    cached: boolean;
  } {
    const key = createHash('sha256').update(JSON.stringify(entries)).digest('hex');
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      cache.set(key, hit);
      return { vocabulary: hit, cached: true };
    }
    const vocabulary = (async () => {
      const vectors: Float32Array[] = [];
      for (let i = 0; i < entries.length; i += EMBED_BATCH) {
        vectors.push(...(await deps.embeddings.embed(entries.slice(i, i + EMBED_BATCH))).vectors);
      }
      return { entries, vectors };
    })();
    // A failed embedding is forgotten, so that the next request tries again.
    vocabulary.catch(() => cache.delete(key));
    cache.set(key, vocabulary);
    while (cache.size > CACHED_VOCABULARIES) cache.delete(cache.keys().next().value as string);
    return { vocabulary, cached: false };
  }

  async function documentsVocabulary(): Promise<string[]> {
    const records = await deps.registry.list();
    const texts = await Promise.all(
      records.map(async (r) => (await deps.documentVersions.get(r.documentId, r.version))?.text ?? ''),
    );
    return vocabularyOf(texts);
  }

  return {
    async similar({ text, k, vocabulary }) {
      const started = performance.now();
      const entries = vocabulary ? [...new Set(vocabulary)] : await documentsVocabulary();
      if (entries.length === 0) {
        throw new RequestValidationError([
          {
            path: 'vocabulary',
            message:
              'no vocabulary: the ingested documents hold no words yet; send a vocabulary or ingest a document',
          },
        ]);
      }
      const { vocabulary: pending, cached } = embedded(entries);
      const [query, table] = await Promise.all([deps.embeddings.embed([text]), pending]);
      const vector = query.vectors[0] as Float32Array;
      const results = table.entries
        .map((entry, i) => ({ text: entry, score: dot(vector, table.vectors[i] as Float32Array) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, k);
      return {
        text,
        results,
        vocabulary: { source: vocabulary ? 'request' : 'documents', size: entries.length, cached },
        model: query.model,
        timing_ms: elapsedMs(started),
      };
    },
  };
}
