import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHandler as generate } from '../../functions/ngram-generate/handler';
import { createHandler as train } from '../../functions/ngram-train/handler';
import { MAX_TRAINING_CHARACTERS } from '../../shared/ngram/schema';
import { withoutCost } from '../helpers/cost';
import { testDependencies } from '../helpers/dependencies';
import { httpEvent, lambdaContext } from '../helpers/events';

const deps = testDependencies({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'ngram-data-')) });
const call = async (handler: ReturnType<typeof train>, route: string, body: unknown) => {
  const response = await handler(httpEvent('POST', route, { body }), lambdaContext());
  return { status: response.statusCode, body: JSON.parse(response.body ?? '{}') };
};
const trainCorpus = (body: unknown) => call(train(deps), '/ngram/train', body);
const sample = (body: unknown) => call(generate(deps), '/generate', body);

describe('POST /ngram/train and POST /generate', () => {
  it('trains a corpus and samples from it, the same text for the same seed', async () => {
    // Prepare
    const trained = await trainCorpus({
      corpus_id: 'rhymes',
      text: 'the cat sat on the mat. the dog sat on the log.',
      n: 3,
    });
    // Act
    const first = await sample({ corpus_id: 'rhymes', start: 'the', length: 12, seed: 5 });
    const again = await sample({ corpus_id: 'rhymes', start: 'the', length: 12, seed: 5 });
    // Assess
    expect({ ...trained, body: withoutCost(trained.body) }).toEqual({
      status: 200,
      body: { corpus_id: 'rhymes', n: 3, smoothing: 'none', tokens: 14, vocabulary_size: 8, contexts: 10 },
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ corpus_id: 'rhymes', seed: 5, n: 3, smoothing: 'none' });
    expect(first.body.tokens).toHaveLength(13);
    expect(withoutCost(again.body)).toEqual(withoutCost(first.body));
  });

  it('replaces a corpus when it is trained again', async () => {
    await trainCorpus({ corpus_id: 'swap', text: 'red fish blue fish' });
    await trainCorpus({ corpus_id: 'swap', text: 'green eggs and ham', smoothing: 'laplace' });
    expect((await sample({ corpus_id: 'swap', start: 'fish', seed: 1 })).status).toBe(422);
    const response = await sample({ corpus_id: 'swap', start: 'green', length: 3, temperature: 0 });
    expect(response.body).toMatchObject({ text: 'green eggs and ham', smoothing: 'laplace' });
  });

  it("trains the suite's own documentation at first use when no corpus is named", async () => {
    const response = await sample({ start: 'the', length: 20, seed: 11 });
    expect(response.status).toBe(200);
    expect(response.body.corpus_id).toBe('project-docs');
    expect(response.body.tokens).toHaveLength(21);
    expect(await deps.blobs.etag('ngram/project-docs.json')).toBeDefined();
  });

  it('answers JSON 4xx for an unknown corpus, an unknown start word, an empty text and an oversized one', async () => {
    const unknownCorpus = await sample({ corpus_id: 'never-trained', start: 'hello' });
    expect(unknownCorpus.status).toBe(404);
    expect(unknownCorpus.body.error.message).toMatch(/no corpus 'never-trained'/);
    await trainCorpus({ corpus_id: 'small', text: 'one two three' });
    const unknownStart = await sample({ corpus_id: 'small', start: 'four' });
    expect(unknownStart.status).toBe(422);
    expect(unknownStart.body.error.message).toMatch(/'four'/);
    const empty = await trainCorpus({ corpus_id: 'empty', text: '   ' });
    expect(empty.status).toBe(422);
    expect(empty.body.error.message).toMatch(/holds 0 words/);
    const big = await trainCorpus({ corpus_id: 'big', text: 'a '.repeat(MAX_TRAINING_CHARACTERS / 2 + 1) });
    expect([413, 422]).toContain(big.status);
    const reserved = await trainCorpus({ corpus_id: 'project-docs', text: 'mine now' });
    expect(reserved.status).toBe(422);
    const badN = await trainCorpus({ corpus_id: 'four', text: 'a b c d', n: 4 });
    expect(badN.status).toBe(422);
  });
});
