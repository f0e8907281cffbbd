/**
 * API keys on the local server, as `npm start` runs it with API_KEYS_TABLE set: the keys table in the
 * embedded DynamoDB-compatible server, every route but /health refusing a request without a key (401), a key
 * out of scope (403), a burst over its rate and a spent budget (429 with Retry-After).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type LocalServer, startLocalServer } from '../../scripts/local-server';
import { createDynamoAccessStore, createDynamoClient } from '../../shared/access/dynamo-access-store';
import { createKey, type NewKeyOptions } from '../../shared/access/key-admin';

const TABLE = 'api-keys-e2e';
let server: LocalServer;
let newKey: (options: Partial<NewKeyOptions>) => Promise<string>;
let destroyClient: () => void;
beforeAll(async () => {
  server = await startLocalServer({
    env: { API_KEYS_TABLE: TABLE, DYNAMODB_PORT: String(await freePort()), CHROMA_URL: 'http://127.0.0.1:9' },
  });
  if (!server.dynamoEndpoint) throw new Error('the local server started no keys table');
  const client = createDynamoClient({ table: TABLE, endpoint: server.dynamoEndpoint });
  destroyClient = () => client.destroy();
  const store = createDynamoAccessStore({ client, table: TABLE });
  newKey = async (options) =>
    (await createKey(store, { name: 'e2e', scopes: ['*'], ratePerSecond: 50, burst: 50, ...options })).key;
}, 180_000);
afterAll(async () => {
  destroyClient?.();
  await server?.stop();
});

const request = (method: string, path: string, key?: string, body?: unknown) =>
  fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(key ? { 'x-api-key': key } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const errorType = async (response: Response) =>
  ((await response.json()) as { error: { type: string } }).error.type;

describe('API keys on the local server', () => {
  it('keeps /health open and refuses a request without a key, even a DELETE', async () => {
    expect((await request('GET', '/health')).status).toBe(200);
    const list = await request('GET', '/documents');
    expect(list.status).toBe(401);
    expect(await errorType(list)).toBe('unauthorized');
    expect((await request('DELETE', '/documents/anything')).status).toBe(401);
  });

  it('answers a key in scope, and 403 out of scope or with an unknown key', async () => {
    const key = await newKey({ scopes: ['GET /documents'] });
    expect((await request('GET', '/documents', key)).status).toBe(200);
    const outOfScope = await request('DELETE', '/documents/anything', key);
    expect(outOfScope.status).toBe(403);
    expect(await errorType(outOfScope)).toBe('forbidden');
    expect((await request('GET', '/documents', `gek_${'1'.repeat(16)}_${'b'.repeat(43)}`)).status).toBe(403);
  });

  it('answers 429 with Retry-After to a burst over the key rate', async () => {
    const key = await newKey({ ratePerSecond: 0.01, burst: 2 });
    const statuses = [];
    let last: Response | undefined;
    for (let i = 0; i < 3; i++) {
      last = await request('GET', '/documents', key);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(1);
    expect(await errorType(last as Response)).toBe('rate_limited');
  });

  it('stops a key whose daily budget is spent', async () => {
    // Each request is charged its 23 bytes as tokens (sentiment counts none): two fit in 50.
    const key = await newKey({ budgets: { tokens: 50 } });
    const body = { text: 'a good movie' };
    expect((await request('POST', '/sentiment', key, body)).status).toBe(200);
    expect((await request('POST', '/sentiment', key, body)).status).toBe(200);
    const spent = await request('POST', '/sentiment', key, body);
    expect(spent.status).toBe(429);
    expect(await errorType(spent)).toBe('budget_exhausted');
    expect(Number(spent.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('lets a /chat turn reach the route it dispatches to, counted once', async () => {
    const key = await newKey({ scopes: ['POST /chat'], ratePerSecond: 0.01, burst: 1 });
    const response = await request('POST', '/chat', key, { message: 'i love this', route: 'sentiment' });
    expect(response.status).toBe(200);
  });
});
