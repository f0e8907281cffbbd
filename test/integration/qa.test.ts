import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandler as qa } from '../../functions/qa/handler';
import { composeQuestionAnswering } from '../../shared/app/question-answering';
import { testDependencies } from '../helpers/dependencies';
import { httpEvent, invoke } from '../helpers/events';

const env = {
  DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'qa-data-')),
  CHROMA_URL: '',
  PINECONE_INDEX_HOST: '',
  FAISS_REFRESH_SECONDS: '0',
};
const deps = testDependencies(env);
const qaDeps = composeQuestionAnswering(deps);
const handler = qa(qaDeps);
afterAll(async () => {
  await Promise.all([deps.runtime.dispose(), qaDeps.runtime.dispose()]);
});

const CONTEXT =
  'The lighthouse keeper climbed the stairs every evening. He lit the great lamp before the sun went down. ' +
  'Ships far out at sea used the light to find the harbour of Saint-Malo.';

interface Answer {
  answer: string;
  formatted?: string;
  score?: number;
  start?: number;
  end?: number;
  seed?: number;
  source?: { document_id: string; chunk_index: number; score: number };
}
const ask = async (body: unknown) => {
  const response = await invoke<{ answers: Answer[]; mode: string; model: { id: string }; prompt?: unknown }>(
    handler,
    httpEvent('POST', '/qa', { body }),
  );
  return response;
};

describe('POST /qa', () => {
  it('returns top_k distinct spans of the context, best first, with their character offsets', async () => {
    // Act
    const response = await ask({ question: 'Who climbed the stairs?', context: CONTEXT, top_k: 5 });
    // Assess
    expect(response.statusCode).toBe(200);
    const { answers, mode, model } = response.body;
    expect(mode).toBe('extractive');
    expect(model.id).toBe('tiny-random/distilbert-squad');
    expect(answers).toHaveLength(5);
    expect(new Set(answers.map((a) => a.answer.toLowerCase())).size).toBe(5);
    for (const a of answers) {
      expect(CONTEXT.slice(a.start, a.end)).toBe(a.answer);
      expect(a.answer).toBe(a.answer.trim());
    }
    const scores = answers.map((a) => a.score as number);
    expect(scores).toEqual([...scores].sort((x, y) => y - x));
    expect(await ask({ question: 'Who climbed the stairs?', context: CONTEXT, top_k: 5 })).toMatchObject({
      body: { answers },
    });
  });

  it("writes each answer in the caller's template", async () => {
    const response = await ask({
      question: 'What did ships find?',
      context: CONTEXT,
      top_k: 2,
      template: { prefix: 'ANSWER: <', suffix: '>' },
    });
    for (const a of response.body.answers) expect(a.formatted).toBe(`ANSWER: <${a.answer}>`);
  });

  it('reads a context longer than the model window in overlapping windows', async () => {
    const long = `${'Filler sentence about nothing in particular. '.repeat(150)}${CONTEXT}`;
    const response = await ask({ question: 'Who lit the lamp?', context: long, top_k: 3 });
    expect(response.statusCode).toBe(200);
    for (const a of response.body.answers) expect(long.slice(a.start, a.end)).toBe(a.answer);
  });

  it("answers from the ingested documents without a context, naming each answer's source", async () => {
    // Prepare
    await deps.documents.ingest({ documentId: 'keeper', content: CONTEXT, contentType: 'text/plain' });
    // Act
    const response = await ask({ question: 'Who climbed the stairs?', top_k: 2 });
    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body.answers).toHaveLength(2);
    for (const a of response.body.answers) {
      expect(a.source?.document_id).toBe('keeper');
      expect(CONTEXT).toContain(a.answer);
    }
  });

  it('samples several answers from the generator in generative mode, the same for the same seed', async () => {
    const body = { question: 'Who is the keeper?', mode: 'generative', top_k: 3, seed: 9, max_new_tokens: 6 };
    const first = await ask(body);
    const again = await ask(body);
    expect(first.statusCode).toBe(200);
    expect(first.body.mode).toBe('generative');
    expect(first.body.answers.map((a) => a.seed)).toEqual([9, 10, 11]);
    expect(again.body.answers).toEqual(first.body.answers);
    expect(first.body.prompt).toEqual({ name: 'qa-generative', version: 'v1' });
  });

  it('pins the generative prompt, and refuses a version that does not exist or a pin in extractive mode', async () => {
    const body = { question: 'Who is the keeper?', mode: 'generative', seed: 3, max_new_tokens: 4 };
    const pinned = await ask({ ...body, prompt_version: 'v1' });
    expect(pinned.statusCode).toBe(200);
    expect(pinned.body.prompt).toEqual({ name: 'qa-generative', version: 'v1' });
    const missing = await ask({ ...body, prompt_version: 'v2' });
    expect(missing.statusCode).toBe(422);
    expect(JSON.stringify(missing.body)).toContain(
      'the prompt qa-generative has no version v2; available: v1',
    );
    const extractive = await ask({ question: 'Who?', context: CONTEXT, prompt_version: 'v1' });
    expect(extractive.statusCode).toBe(422);
  });

  it('answers 422 for a question longer than the model window, an empty question, and a bad top_k', async () => {
    const long = await ask({ question: 'why '.repeat(499), context: CONTEXT });
    expect(long.statusCode).toBe(422);
    expect(JSON.stringify(long.body)).toMatch(/leaves no room for the context/);
    expect((await ask({ question: '  ', context: CONTEXT })).statusCode).toBe(422);
    expect((await ask({ question: 'who?', context: CONTEXT, top_k: 0 })).statusCode).toBe(422);
  });
});
