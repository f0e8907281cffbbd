/**
 * POST /researcher through the local server, as `npm start` runs it (serverless-offline, the bundled
 * functions), with WIKIPEDIA_API_URL pointed at the local MediaWiki contract server: the state machine runs
 * in the researcher function's process, each task state bound to its step's handler.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../scripts/local-server';
import { englishDocument } from '../helpers/english-text';
import { type MediaWikiServer, startMediaWikiServer } from '../helpers/mediawiki-server';

let wiki: MediaWikiServer;
let server: LocalServer;
beforeAll(async () => {
  wiki = await startMediaWikiServer({
    pages: [{ title: 'Lighthouse', revision: 41_001, extract: englishDocument(3_000) }],
  });
  server = await startLocalServer({
    env: { WIKIPEDIA_API_URL: wiki.apiUrl, CHROMA_URL: 'http://127.0.0.1:9' },
  });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await wiki?.stop();
});

const research = (body: unknown) =>
  fetch(`${server.url}/researcher`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('POST /researcher on the local server', () => {
  it('runs the state machine and answers with its trace', async () => {
    const response = await research({ topic: 'lighthouse', max_length: 20 });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      title: string;
      trace: { state: string; status: string }[];
      execution: { mode: string };
    };
    expect(body.title).toBe('Lighthouse');
    expect(body.execution.mode).toBe('local');
    expect(body.trace.map((t) => `${t.state}:${t.status}`)).toEqual([
      'FetchArticle:succeeded',
      'ArticleFound:succeeded',
      'SummaryAndSentiment:succeeded',
      'Summarize:succeeded',
      'ClassifySentiment:succeeded',
      'Compose:succeeded',
    ]);
    expect(wiki.requests.length).toBeGreaterThan(0);
  });

  it('answers a JSON 404 with suggestions for a topic without an article', async () => {
    const response = await research({ topic: 'Lighthuose' });
    expect(response.status).toBe(404);
    const body = (await response.json()) as {
      error: { type: string; suggestions: string[]; request_id: string };
    };
    expect(body.error.type).toBe('article_not_found');
    expect(body.error.suggestions).toEqual(['Lighthouse']);
    expect(body.error.request_id).toBe(response.headers.get('x-request-id'));
  });
});
