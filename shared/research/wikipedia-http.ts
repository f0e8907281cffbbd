/**
 * GET requests to a MediaWiki Action API as Wikimedia's API etiquette asks: a descriptive User-Agent, a
 * timeout on every attempt, retries with exponential backoff and full jitter on 429, 5xx, `maxlag` and
 * network failures (a `Retry-After` the server sends is honoured), and a cap on the bytes read. A request
 * that still fails is a WikipediaUnavailableError that names the host only.
 */
import { UpstreamError, WikipediaUnavailableError } from '../errors';

export interface WikipediaHttpOptions {
  readonly userAgent: string;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  /** Bytes of one response that are read at most; a longer one fails rather than filling memory. */
  readonly maxResponseBytes?: number;
  /** First backoff step; each retry doubles it, up to `maxDelayMs`, and waits a random part of it. */
  readonly baseDelayMs?: number;
  /** Longest wait between attempts: a Retry-After beyond it ends the retries at once. */
  readonly maxDelayMs?: number;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export interface WikipediaHttp {
  /** The parsed JSON body of a successful GET (its shape is checked by the caller's schema). */
  getJson(url: URL): Promise<unknown>;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** Why an attempt failed, and whether another attempt may succeed. */
interface AttemptFailure {
  readonly reason: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const networkReason = (error: unknown): string => {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return 'did not answer in time';
  const code = (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === 'string' ? `cannot be reached (${code})` : 'cannot be reached';
};

async function readCapped(response: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new RangeError(`${declared} bytes`);
  }
  const parts: Buffer[] = [];
  let total = 0;
  if (!response.body) return Buffer.alloc(0);
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new RangeError(`more than ${maxBytes} bytes`);
    parts.push(Buffer.from(chunk));
  }
  return Buffer.concat(parts);
}

const API_ERROR_RETRYABLE = new Set(['maxlag', 'ratelimited', 'readonly', 'internal_api_error_DBQueryError']);

export function createWikipediaHttp(options: WikipediaHttpOptions): WikipediaHttp {
  const fetchImpl = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 8_000;

  async function attempt(url: URL): Promise<{ body: unknown } | AttemptFailure> {
    let response: Response;
    try {
      response = await fetchImpl(url, {
        headers: { 'user-agent': options.userAgent, accept: 'application/json' },
        redirect: 'follow',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      return { reason: networkReason(error), retryable: true };
    }
    if (response.status === 429 || response.status >= 500) {
      await response.body?.cancel();
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      return {
        reason: `answered ${response.status}`,
        retryable: true,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    }
    if (!response.ok) {
      await response.body?.cancel();
      return { reason: `answered ${response.status}`, retryable: false };
    }
    let raw: Buffer;
    try {
      raw = await readCapped(response, maxBytes);
    } catch (error) {
      if (error instanceof RangeError)
        return { reason: `answered more than the ${maxBytes} bytes read at most`, retryable: false };
      return { reason: networkReason(error), retryable: true };
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return { reason: 'answered something that is not JSON', retryable: false };
    }
    const apiError = (body as { error?: { code?: unknown; info?: unknown } } | null)?.error;
    if (apiError && typeof apiError === 'object') {
      const code = String(apiError.code);
      return {
        reason: `refused the request (${code}: ${String(apiError.info ?? '').slice(0, 200)})`,
        retryable: API_ERROR_RETRYABLE.has(code),
        ...(code === 'maxlag'
          ? { retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) ?? 5000 }
          : {}),
      };
    }
    return { body };
  }

  return {
    async getJson(url) {
      const host = url.host;
      let failure: AttemptFailure | undefined;
      for (let i = 0; i < options.maxAttempts; i++) {
        const result = await attempt(url);
        if ('body' in result) return result.body;
        failure = result;
        if (!result.retryable || i === options.maxAttempts - 1) break;
        if (result.retryAfterMs !== undefined && result.retryAfterMs > maxDelayMs) {
          failure = {
            ...result,
            reason: `${result.reason} and asks to wait ${Math.ceil(result.retryAfterMs / 1000)} s`,
          };
          break;
        }
        const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** i);
        await sleep(result.retryAfterMs ?? Math.round(random() * backoff));
      }
      const attempts =
        options.maxAttempts > 1 && failure?.retryable ? ` (after ${options.maxAttempts} attempts)` : '';
      const message = `Wikipedia at ${host} ${failure?.reason ?? 'failed'}${attempts}; retry later`;
      // What retrying could fix is WikipediaUnavailableError, which the workflow retries; the rest is not.
      throw failure?.retryable === false
        ? new UpstreamError(message)
        : new WikipediaUnavailableError(message);
    },
  };
}
