/**
 * POST /researcher through its state machine, run in-process on the tiny models, against a local server that
 * speaks the MediaWiki Action API contract: the happy path and its trace, the per-revision cache, redirects,
 * a disambiguation page, a missing topic, 429 with Retry-After, a retried step, a caught failure, an
 * unreachable Wikipedia and a run over its time budget.
 */
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { composeResearcher, create } from '../../functions/researcher/handler';
import * as fetchStep from '../../functions/researcher-fetch/handler';
import { baseDependencies } from '../../shared/app/base';
import { DEFAULT_WIKIPEDIA_USER_AGENT } from '../../shared/config/environment';
import { createLocalWorkflow } from '../../shared/research/local-workflow';
import { MAX_SUMMARY_TEXT_CHARS } from '../../shared/summarization/schema';
import { englishDocument } from '../helpers/english-text';
import { httpEvent, invoke, lambdaContext } from '../helpers/events';
import { type MediaWikiServer, startMediaWikiServer } from '../helpers/mediawiki-server';

const ARTICLE = englishDocument(6_000);

let wiki: MediaWikiServer;
beforeAll(async () => {
  wiki = await startMediaWikiServer({
    pages: [
      { title: 'Lighthouse', revision: 41_001, extract: ARTICLE },
      {
        title: 'Harbour',
        revision: 52_002,
        extract: 'A harbour is a sheltered body of water. Ships dock there.',
      },
      {
        title: 'Mercury',
        revision: 7,
        disambiguation: true,
        extract: 'Mercury may refer to: Mercury (planet). Mercury (element). Mercury (mythology).',
        links: ['Mercury (planet)', 'Mercury (element)', 'Mercury (mythology)'],
      },
      { title: 'Mercury (planet)', revision: 8, extract: 'Mercury is the first planet from the Sun.' },
    ],
    redirects: { 'Lamp tower': 'Lighthouse' },
  });
});
afterAll(() => wiki?.stop());
beforeEach(() => {
  wiki.faults.length = 0;
  wiki.requests.length = 0;
});

const dataDir = () => mkdtempSync(path.join(os.tmpdir(), 'researcher-'));

function researcher(env: NodeJS.ProcessEnv = {}) {
  return create(
    composeResearcher(
      baseDependencies({
        ...process.env,
        WIKIPEDIA_API_URL: wiki.apiUrl,
        WIKIPEDIA_MAX_ATTEMPTS: '2',
        WIKIPEDIA_TIMEOUT_MS: '3000',
        DATA_DIR: dataDir(),
        ...env,
      }),
    ),
  );
}

const ask = (handler: ReturnType<typeof researcher>, body: unknown, remainingMs = 60_000) =>
  invoke<Record<string, unknown>>(
    handler,
    httpEvent('POST', '/researcher', { body }),
    lambdaContext('researcher', remainingMs),
  );

type Trace = { state: string; ms: number; status: string; retries: number }[];
type ErrorBody = { error: { type: string; message: string; suggestions?: string[]; candidates?: string[] } };

const extractRequests = () => wiki.requests.filter((r) => r.params.get('prop')?.includes('extracts'));

describe('POST /researcher', () => {
  it('answers the summary and the whole article sentiment, with a trace of every state', async () => {
    // Prepare
    const handler = researcher();
    // Act
    const response = await ask(handler, { topic: 'lighthouse', max_length: 20 });
    // Assess
    expect(response.statusCode).toBe(200);
    const body = response.body as {
      title: string;
      url: string;
      lang: string;
      revision: number;
      summary: string;
      sentiment: {
        label: string;
        score: number;
        scores: { label: string; score: number }[];
        windows: number;
        distribution: { label: string; windows: number }[];
      };
      model: Record<string, { profile: string }>;
      article: { characters: number; read_characters: number };
      trace: Trace;
      execution: { mode: string; id: string };
    };
    expect(body).toMatchObject({
      title: 'Lighthouse',
      url: 'https://en.wikipedia.org/wiki/Lighthouse',
      lang: 'en',
      revision: 41_001,
      article: { characters: ARTICLE.length },
      execution: { mode: 'local' },
    });
    // Read up to the one chunk a synchronous summary can afford (RESEARCHER_MAX_ARTICLE_CHARS), at a sentence end.
    expect(ARTICLE.length).toBeGreaterThan(MAX_SUMMARY_TEXT_CHARS);
    expect(body.article.read_characters).toBeLessThanOrEqual(MAX_SUMMARY_TEXT_CHARS);
    expect(body.article.read_characters).toBeGreaterThan(MAX_SUMMARY_TEXT_CHARS - 500);
    expect(body.summary.length).toBeGreaterThan(0);
    expect(body.model.summarization?.profile).toBe('tiny');
    expect(body.model.sentiment?.profile).toBe('tiny');
    // ~950 tokens of text: more than one 512-token input, classified in 128-token windows.
    expect(body.sentiment.windows).toBeGreaterThanOrEqual(7);
    expect(body.sentiment.distribution.reduce((n, d) => n + d.windows, 0)).toBe(body.sentiment.windows);
    expect(body.sentiment.scores[0]).toEqual({ label: body.sentiment.label, score: body.sentiment.score });
    expect(body.sentiment.scores.reduce((n, s) => n + s.score, 0)).toBeCloseTo(1, 5);
    expect(body.trace.map((t) => t.state)).toEqual([
      'FetchArticle',
      'ArticleFound',
      'SummaryAndSentiment',
      'Summarize',
      'ClassifySentiment',
      'Compose',
    ]);
    expect(body.trace.every((t) => t.status === 'succeeded' && t.retries === 0 && t.ms >= 0)).toBe(true);
    expect(wiki.requests.every((r) => r.userAgent === DEFAULT_WIKIPEDIA_USER_AGENT)).toBe(true);
  });

  it('reads an article once per revision: a second question is answered from the cache', async () => {
    const handler = researcher();
    expect((await ask(handler, { topic: 'harbour', max_length: 10 })).statusCode).toBe(200);
    expect((await ask(handler, { topic: 'Harbour', max_length: 10 })).statusCode).toBe(200);
    expect(extractRequests()).toHaveLength(1);
  });

  it('follows redirects to the article', async () => {
    const response = await ask(researcher(), { topic: 'lamp tower', max_length: 10 });
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({ title: 'Lighthouse', revision: 41_001 });
  });

  it('answers 409 with the candidate titles for a disambiguation page', async () => {
    const response = await ask(researcher(), { topic: 'Mercury' });
    expect(response.statusCode).toBe(409);
    const { error } = response.body as ErrorBody;
    expect(error.type).toBe('ambiguous_topic');
    expect(error.candidates).toEqual(['Mercury (planet)', 'Mercury (element)', 'Mercury (mythology)']);
    expect(extractRequests()).toHaveLength(0);
  });

  it('answers 404 with the closest titles when no article matches', async () => {
    const response = await ask(researcher(), { topic: 'Lighthuose' });
    expect(response.statusCode).toBe(404);
    const { error } = response.body as ErrorBody;
    expect(error.type).toBe('article_not_found');
    expect(error.suggestions).toContain('Lighthouse');
    expect(error.message).toMatch(/Lighthuose/);
  });

  it('waits as long as a 429 Retry-After asks, then reads the article', async () => {
    wiki.faults.push({ times: 1, status: 429, headers: { 'retry-after': '1' } });
    const response = await ask(researcher(), { topic: 'harbour', max_length: 10 });
    expect(response.statusCode).toBe(200);
    const [refused, retried] = wiki.requests;
    expect(retried && refused && retried.at - refused.at).toBeGreaterThanOrEqual(950);
    expect((response.body.trace as Trace)[0]).toMatchObject({ state: 'FetchArticle', retries: 0 });
  });

  it('retries the fetch step when Wikipedia keeps failing for one attempt of it', async () => {
    // Both HTTP attempts of the first step attempt get 503: the state machine's Retry runs the step again.
    wiki.faults.push({ times: 2, status: 503 });
    const response = await ask(researcher(), { topic: 'harbour', max_length: 10 });
    expect(response.statusCode).toBe(200);
    expect((response.body.trace as Trace)[0]).toMatchObject({
      state: 'FetchArticle',
      status: 'succeeded',
      retries: 1,
    });
  });

  it('answers 502 naming the host when Wikipedia fails after every retry (the failure is caught)', async () => {
    wiki.faults.push({ times: 100, status: 503 });
    const response = await ask(researcher(), { topic: 'harbour' });
    expect(response.statusCode).toBe(502);
    const { error } = response.body as ErrorBody;
    expect(error.type).toBe('wikipedia_unavailable');
    expect(error.message).toContain(wiki.host);
    expect(error.message).toMatch(/503/);
    // Three step attempts (the first and the Retry's two) of two HTTP attempts each.
    expect(wiki.requests).toHaveLength(6);
  });

  it('traces a caught failure: the failed step, its retries, and the failed result it was caught to', async () => {
    wiki.faults.push({ times: 100, status: 503 });
    const deps = composeResearcher(
      baseDependencies({
        ...process.env,
        WIKIPEDIA_API_URL: wiki.apiUrl,
        WIKIPEDIA_MAX_ATTEMPTS: '1',
        DATA_DIR: dataDir(),
      }),
    );
    const workflow = createLocalWorkflow({
      handlers: {
        FetchArticle: fetchStep.create(fetchStep.compose(deps)),
        Summarize: async () => expect.unreachable('no article, no summary'),
        ClassifySentiment: async () => expect.unreachable('no article, no sentiment'),
      },
    });
    const run = await workflow.run({ topic: 'harbour', lang: 'en', max_length: 20 });
    expect(run.output).toMatchObject({
      status: 'failed',
      state: 'FetchArticle',
      error: 'WikipediaUnavailableError',
    });
    expect(run.trace).toEqual([
      { state: 'FetchArticle', ms: expect.any(Number), status: 'caught', retries: 2 },
      { state: 'FetchFailed', ms: expect.any(Number), status: 'succeeded', retries: 0 },
    ]);
  });

  it('answers 502 naming the host when Wikipedia cannot be reached', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const response = await ask(researcher({ WIKIPEDIA_API_URL: `http://127.0.0.1:${closed}/w/api.php` }), {
      topic: 'harbour',
    });
    expect(response.statusCode).toBe(502);
    const { error } = response.body as ErrorBody;
    expect(error.type).toBe('wikipedia_unavailable');
    expect(error.message).toContain(`127.0.0.1:${closed}`);
    expect(error.message).toMatch(/cannot be reached/);
  });

  it('answers 504 when the run outlasts the function', async () => {
    wiki.faults.push({ times: 10, status: 0, delayMs: 4_000 });
    const response = await ask(researcher(), { topic: 'harbour' }, 1_500);
    expect(response.statusCode).toBe(504);
    expect((response.body as ErrorBody).error.type).toBe('timeout');
  });

  it('refuses invalid fields with 422', async () => {
    const response = await ask(researcher(), { topic: ' ', lang: 'EN!', max_length: 2, extra: 1 });
    expect(response.statusCode).toBe(422);
    const details = (response.body as { error: { details: { path: string }[] } }).error.details;
    expect(details.map((d) => d.path).sort()).toEqual(['', 'lang', 'max_length', 'topic']);
  });
});
