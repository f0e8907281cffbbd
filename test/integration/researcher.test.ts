/**
 * POST /researcher through its state machine, run in-process on the tiny models, against a local server that
 * speaks the MediaWiki Action API contract: the happy path and its trace, the per-revision cache, redirects,
 * a disambiguation page, a missing topic, 429 with Retry-After, a retried step, a caught failure, an
 * unreachable Wikipedia and a run over its time budget; and a whole article read as a job (`read: "full"`),
 * polled at GET /jobs/{id}.
 */
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHandler as getJob } from '../../functions/jobs-get/handler';
import { composeResearcher, create } from '../../functions/researcher/handler';
import * as fetchStep from '../../functions/researcher-fetch/handler';
import { baseDependencies } from '../../shared/app/base';
import { composeJobWork } from '../../shared/app/jobs';
import { DEFAULT_WIKIPEDIA_USER_AGENT } from '../../shared/config/environment';
import { createLocalWorkflow } from '../../shared/research/local-workflow';
import type { ResearcherResponseBody } from '../../shared/research/researcher-service';
import type * as z from '../../shared/schema';
import { MAX_SUMMARY_TEXT_CHARS } from '../../shared/summarization/schema';
import { englishDocument } from '../helpers/english-text';
import { httpEvent, invoke, lambdaContext } from '../helpers/events';
import { type MediaWikiServer, startMediaWikiServer } from '../helpers/mediawiki-server';

const ARTICLE = englishDocument(6_000);
/** An article of several summary chunks: more than a synchronous answer reads of it. */
const LONG_ARTICLE = englishDocument(13_000);

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
      { title: 'Canal', revision: 63_003, extract: LONG_ARTICLE },
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
    const run = await workflow.run({
      topic: 'harbour',
      lang: 'en',
      max_length: 20,
      max_article_chars: MAX_SUMMARY_TEXT_CHARS,
      max_chunks: 1,
      max_rounds: 3,
    });
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

describe('POST /researcher with read: "full"', () => {
  type ResearchAnswer = z.output<typeof ResearcherResponseBody>;
  type JobBody = {
    job_id: string;
    kind: string;
    status: string;
    status_url: string;
    request: Record<string, unknown>;
    result?: ResearchAnswer;
    error?: { type: string; message: string };
  };

  /** The route, and the job services it submits to (which GET /jobs/{id} reads), over one data folder. */
  function researcherWithJobs() {
    const base = baseDependencies({
      ...process.env,
      WIKIPEDIA_API_URL: wiki.apiUrl,
      WIKIPEDIA_MAX_ATTEMPTS: '2',
      WIKIPEDIA_TIMEOUT_MS: '3000',
      DATA_DIR: dataDir(),
    });
    const work = composeJobWork(base);
    return { handler: create({ ...composeResearcher(base), researchJobs: async () => work }), work };
  }

  const headers = { host: '127.0.0.1:3000' };

  async function submit(handler: ReturnType<typeof researcherWithJobs>['handler'], body: unknown) {
    return invoke<JobBody>(
      handler,
      httpEvent('POST', '/researcher', { body, headers }),
      lambdaContext('researcher', 60_000),
    );
  }

  /** GET /jobs/{id} until the job has finished, as a client polls it. */
  async function poll(work: ReturnType<typeof composeJobWork>, id: string) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const response = await invoke<JobBody>(getJob(work), {
        ...httpEvent('GET', `/jobs/${id}`, { headers }),
        pathParameters: { id },
      });
      expect(response.statusCode).toBe(200);
      if (response.body.status === 'succeeded' || response.body.status === 'failed') return response.body;
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('answers 202 with the job, which reads the whole article into several summary chunks', async () => {
    // Prepare
    const { handler, work } = researcherWithJobs();
    expect(LONG_ARTICLE.length).toBeGreaterThan(12_000);
    const lead = await submit(handler, { topic: 'canal', max_length: 10 });
    // Act
    const accepted = await submit(handler, { topic: 'canal', max_length: 10, read: 'full' });
    const done = await poll(work, accepted.body.job_id);
    // Assess
    expect(accepted.statusCode).toBe(202);
    expect(accepted.body).toMatchObject({ kind: 'research', status: 'queued', request: { read: 'full' } });
    expect(accepted.headers.location).toBe(`http://127.0.0.1:3000/jobs/${accepted.body.job_id}`);
    expect(accepted.body.status_url).toBe(accepted.headers.location);
    expect(done.status).toBe('succeeded');
    const result = done.result as ResearchAnswer;
    // The synchronous answer's shape, to its nested fields (`cost` is the HTTP layer's estimate of a request).
    expect(lead.statusCode).toBe(200);
    const { cost: _cost, ...answer } = lead.body as unknown as ResearchAnswer & { cost: unknown };
    expect(Object.keys(result).sort()).toEqual(Object.keys(answer).sort());
    expect(Object.keys(result.article).sort()).toEqual(Object.keys(answer.article).sort());
    expect(Object.keys(result.sentiment).sort()).toEqual(Object.keys(answer.sentiment).sort());
    expect(result.trace.map((t) => t.state)).toEqual(answer.trace.map((t) => t.state));
    expect(result).toMatchObject({ title: 'Canal', revision: 63_003, execution: { mode: 'local' } });
    // The whole article, where the lead is one chunk's worth.
    expect(answer.article.read_characters).toBeLessThanOrEqual(MAX_SUMMARY_TEXT_CHARS);
    expect(answer.summary_chunks).toBe(1);
    expect(result.article).toEqual({ characters: LONG_ARTICLE.length, read_characters: LONG_ARTICLE.length });
    expect(result.summary_chunks).toBeGreaterThan(1);
    expect(result.summary.length).toBeGreaterThan(0);
    // Sentiment over the whole read text: more windows than over the lead.
    expect(result.sentiment.windows).toBeGreaterThan(answer.sentiment.windows);
  });

  it('still reads only the lead by default after a job read the whole article of the same revision', async () => {
    const { handler, work } = researcherWithJobs();
    const accepted = await submit(handler, { topic: 'canal', max_length: 10, read: 'full' });
    expect((await poll(work, accepted.body.job_id)).result?.article.read_characters).toBe(
      LONG_ARTICLE.length,
    );
    const lead = await submit(handler, { topic: 'canal', max_length: 10 });
    expect(lead.statusCode).toBe(200);
    const { article } = lead.body as unknown as ResearchAnswer;
    expect(article.characters).toBe(LONG_ARTICLE.length);
    expect(article.read_characters).toBeLessThanOrEqual(MAX_SUMMARY_TEXT_CHARS);
  });

  it('reads no more of an article than RESEARCHER_MAX_JOB_ARTICLE_CHARS', async () => {
    const base = baseDependencies({
      ...process.env,
      WIKIPEDIA_API_URL: wiki.apiUrl,
      DATA_DIR: dataDir(),
      RESEARCHER_MAX_JOB_ARTICLE_CHARS: '9000',
    });
    const work = composeJobWork(base);
    const handler = create({ ...composeResearcher(base), researchJobs: async () => work });
    const accepted = await submit(handler, { topic: 'canal', max_length: 10, read: 'full' });
    const { article } = (await poll(work, accepted.body.job_id)).result as ResearchAnswer;
    expect(article.read_characters).toBeLessThanOrEqual(9_000);
    expect(article.read_characters).toBeGreaterThan(MAX_SUMMARY_TEXT_CHARS);
  });

  it('fails the job with the public error the synchronous route answers when no article matches', async () => {
    const { handler, work } = researcherWithJobs();
    const refused = await submit(handler, { topic: 'Lighthuose' });
    const accepted = await submit(handler, { topic: 'Lighthuose', read: 'full' });
    const done = await poll(work, accepted.body.job_id);
    expect(refused.statusCode).toBe(404);
    expect(accepted.statusCode).toBe(202);
    expect(done.status).toBe('failed');
    expect(done.result).toBeUndefined();
    const { error } = refused.body as unknown as ErrorBody;
    expect(done.error).toEqual({ type: 'article_not_found', message: error.message });
  });

  it('fails the job with the 409 error of a disambiguation page', async () => {
    const { handler, work } = researcherWithJobs();
    const refused = await submit(handler, { topic: 'Mercury' });
    const accepted = await submit(handler, { topic: 'Mercury', read: 'full' });
    const done = await poll(work, accepted.body.job_id);
    expect(done.status).toBe('failed');
    const { error } = refused.body as unknown as ErrorBody;
    expect(done.error).toEqual({ type: 'ambiguous_topic', message: error.message });
  });

  it('refuses a read that is neither lead nor full with 422 naming the field', async () => {
    const response = await ask(researcher(), { topic: 'canal', read: 'all' });
    expect(response.statusCode).toBe(422);
    const details = (response.body as { error: { details: { path: string }[] } }).error.details;
    expect(details.map((d) => d.path)).toEqual(['read']);
  });
});
