import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandler as similar } from '../../functions/similar/handler';
import { composeSimilarity } from '../../shared/app/similarity';
import { vocabularyOf } from '../../shared/similarity/similarity-service';
import { testDependencies } from '../helpers/dependencies';
import { httpEvent, invoke } from '../helpers/events';

const deps = testDependencies({
  DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'similar-data-')),
  CHROMA_URL: '',
  PINECONE_INDEX_HOST: '',
});
const similarDeps = composeSimilarity(deps);
const handler = similar(similarDeps);
afterAll(async () => {
  await Promise.all([deps.runtime.dispose(), similarDeps.runtime.dispose()]);
});

interface SimilarBody {
  results: { text: string; score: number }[];
  vocabulary: { source: string; size: number; cached: boolean };
}
const ask = (body: unknown) => invoke<SimilarBody>(handler, httpEvent('POST', '/similar', { body }));

describe('POST /similar', () => {
  it('ranks a given vocabulary by cosine similarity, the text itself first, and embeds it once', async () => {
    // Prepare
    const vocabulary = ['harbour', 'lighthouse', 'keeper', 'storm', 'bread'];
    // Act
    const first = await ask({ text: 'lighthouse', k: 3, vocabulary });
    const second = await ask({ text: 'storm', k: 5, vocabulary });
    // Assess
    expect(first.statusCode).toBe(200);
    expect(first.body.results).toHaveLength(3);
    expect(first.body.results[0]).toMatchObject({ text: 'lighthouse' });
    expect(first.body.results[0]?.score).toBeCloseTo(1, 4);
    const scores = second.body.results.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(first.body.vocabulary).toEqual({ source: 'request', size: 5, cached: false });
    expect(second.body.vocabulary).toEqual({ source: 'request', size: 5, cached: true });
  });

  it("builds the vocabulary from the ingested documents' words", async () => {
    // Prepare
    await deps.documents.ingest({
      documentId: 'keeper',
      content: 'The keeper lit the lamp. The lamp guided ships to the harbour.',
      contentType: 'text/plain',
    });
    // Act
    const response = await ask({ text: 'lamp', k: 20 });
    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body.vocabulary).toMatchObject({ source: 'documents', size: 7 });
    expect(response.body.results.map((r) => r.text).sort()).toEqual(
      ['guided', 'harbour', 'keeper', 'lamp', 'lit', 'ships', 'the'].sort(),
    );
    expect(response.body.results[0]?.text).toBe('lamp');
  });

  it('counts words by frequency for the documents vocabulary', () => {
    expect(vocabularyOf(['b-b aaa aaa ccc', "Ccc don't x"])).toEqual(['aaa', 'ccc', 'b-b', "don't"]);
  });

  it('answers 422 for an empty vocabulary, an empty text and a k out of range', async () => {
    const empty = await ask({ text: 'lamp', vocabulary: [] });
    expect(empty.statusCode).toBe(422);
    expect((await ask({ text: ' ', vocabulary: ['a'] })).statusCode).toBe(422);
    expect((await ask({ text: 'lamp', k: 0, vocabulary: ['a'] })).statusCode).toBe(422);
  });

  it('answers 422 when no vocabulary is sent and no document is ingested', async () => {
    const bare = testDependencies({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'similar-bare-')) });
    const bareDeps = composeSimilarity(bare);
    const response = await invoke(
      similar(bareDeps),
      httpEvent('POST', '/similar', { body: { text: 'lamp' } }),
    );
    expect(response.statusCode).toBe(422);
    expect(JSON.stringify(response.body)).toMatch(/ingested documents hold no words/);
    await Promise.all([bare.runtime.dispose(), bareDeps.runtime.dispose()]);
  });
});
