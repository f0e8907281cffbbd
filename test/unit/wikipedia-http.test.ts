/**
 * The Wikipedia HTTP client's retry policy, against a local server: backoff with full jitter, Retry-After
 * honoured (and a wait longer than allowed refused at once), no retry where retrying cannot help, API
 * errors, and the cap on bytes read.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError, WikipediaUnavailableError } from '../../shared/errors';
import { createWikipediaHttp, parseRetryAfter } from '../../shared/research/wikipedia-http';
import { listenOnLoopback } from '../helpers/loopback';

type Answer = { status: number; headers?: Record<string, string>; body?: string };
let stopServer: (() => Promise<void>) | undefined;
afterEach(() => stopServer?.());

/** A server that gives the queued answers in order, then `{"ok":true}`. */
async function serve(answers: Answer[]) {
  const seen: string[] = [];
  const server = http.createServer((request, response) => {
    seen.push(String(request.headers['user-agent']));
    const answer = answers.shift() ?? { status: 200, body: '{"ok":true}' };
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    response.end(answer.body ?? '');
  });
  const { url, stop } = await listenOnLoopback(server);
  stopServer = stop;
  return { url: new URL(`${url}/w/api.php`), seen };
}

function client(options: { maxAttempts?: number; maxResponseBytes?: number } = {}) {
  const waits: number[] = [];
  const http = createWikipediaHttp({
    userAgent: 'test-agent/1.0 (tests)',
    timeoutMs: 2_000,
    maxAttempts: options.maxAttempts ?? 3,
    ...(options.maxResponseBytes ? { maxResponseBytes: options.maxResponseBytes } : {}),
    baseDelayMs: 100,
    maxDelayMs: 2_000,
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
  });
  return { http, waits };
}

describe('Wikipedia HTTP', () => {
  it('retries 5xx with exponential backoff and full jitter, sending its User-Agent each time', async () => {
    const { url, seen } = await serve([{ status: 503 }, { status: 502 }]);
    const { http, waits } = client();
    expect(await http.getJson(url)).toEqual({ ok: true });
    expect(waits).toEqual([50, 100]);
    expect(seen).toEqual(Array(3).fill('test-agent/1.0 (tests)'));
  });

  it('waits what Retry-After asks on a 429', async () => {
    const { url } = await serve([{ status: 429, headers: { 'retry-after': '1' } }]);
    const { http, waits } = client();
    await http.getJson(url);
    expect(waits).toEqual([1_000]);
  });

  it('gives up at once, as unavailable, when Retry-After asks for more than it may wait', async () => {
    const { url, seen } = await serve([{ status: 429, headers: { 'retry-after': '120' } }]);
    const { http, waits } = client();
    const error = await http.getJson(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WikipediaUnavailableError);
    expect((error as Error).message).toMatch(/429 and asks to wait 120 s/);
    expect(waits).toEqual([]);
    expect(seen).toHaveLength(1);
  });

  it('fails as unavailable after its last attempt, naming the host only', async () => {
    const { url } = await serve([{ status: 503 }, { status: 503 }]);
    const error = await client({ maxAttempts: 2 })
      .http.getJson(url)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WikipediaUnavailableError);
    expect((error as Error).message).toBe(
      `Wikipedia at ${url.host} answered 503 (after 2 attempts); retry later`,
    );
  });

  it('does not retry a 404, an API error or a body over the cap', async () => {
    const notFound = await serve([{ status: 404 }]);
    expect(
      await client()
        .http.getJson(notFound.url)
        .catch((e: unknown) => e),
    ).toBeInstanceOf(UpstreamError);
    expect(notFound.seen).toHaveLength(1);
    await stopServer?.();

    const refused = await serve([{ status: 200, body: '{"error":{"code":"badvalue","info":"bad action"}}' }]);
    const apiError = await client()
      .http.getJson(refused.url)
      .catch((e: unknown) => e);
    expect(apiError).not.toBeInstanceOf(WikipediaUnavailableError);
    expect((apiError as Error).message).toMatch(/refused the request \(badvalue: bad action\)/);
    await stopServer?.();

    const large = await serve([{ status: 200, body: JSON.stringify({ text: 'x'.repeat(5_000) }) }]);
    const tooLarge = await client({ maxResponseBytes: 1_000 })
      .http.getJson(large.url)
      .catch((e: unknown) => e);
    expect((tooLarge as Error).message).toMatch(/more than the 1000 bytes read at most/);
    expect(large.seen).toHaveLength(1);
  });

  it('retries maxlag, the API error that asks to come back later', async () => {
    const { url } = await serve([
      { status: 200, headers: { 'retry-after': '1' }, body: '{"error":{"code":"maxlag","info":"lagged"}}' },
    ]);
    const { http, waits } = client();
    expect(await http.getJson(url)).toEqual({ ok: true });
    expect(waits).toEqual([1_000]);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 12:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
