/**
 * API keys, rates and budgets against dynalite (a server that speaks DynamoDB's protocol, conditional
 * writes included): the store, the HTTP layer as every function runs it, and the Lambda authorizer with
 * API Gateway's own event shape.
 */
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthorizer } from '../../functions/api-authorizer/handler';
import { createHandler as createStreamHandler } from '../../functions/stream/handler';
import { readServerlessConfig } from '../../scripts/serverless-config';
import { createUsageGuard } from '../../shared/access/access-control';
import { usageDay } from '../../shared/access/access-store';
import { parseApiKey } from '../../shared/access/api-key';
import { createKey, type NewKeyOptions } from '../../shared/access/key-admin';
import { loadConfig } from '../../shared/config/environment';
import { apiKeyGuard } from '../../shared/http/access-control';
import { dispatchEvent } from '../../shared/http/dispatch-event';
import { createHttpHandler, type HttpHandler } from '../../shared/http/handler';
import { ROUTES } from '../../shared/http/routes';
import { silentLogger, testDependencies } from '../helpers/dependencies';
import { type KeysTable, startKeysTable } from '../helpers/dynamodb';
import { httpEvent, invoke } from '../helpers/events';

let table: KeysTable;
beforeAll(async () => {
  table = await startKeysTable();
});
afterAll(() => table.stop());

const keyWith = (options: Partial<NewKeyOptions> = {}) =>
  createKey(table.store, { name: 'test', scopes: ['*'], ratePerSecond: 100, burst: 100, ...options });

/** A route with API keys on, over the dynalite table, that spends `tokens` tokens per request. */
function guardedRoute(options: { tokens?: number; handle?: HttpHandler } = {}): HttpHandler {
  const base = { config: loadConfig({ ...process.env, ...table.env }), logger: silentLogger() };
  const access = apiKeyGuard(base);
  if (!access) throw new Error('API keys are not configured');
  const tokens = options.tokens ?? 10;
  return createHttpHandler(
    {
      name: 'guarded',
      reserve: () => ({ tokens }),
      handle: async ({ event, context }) =>
        options.handle ? options.handle(event, context) : { body: { ok: true }, usage: { tokens } },
    },
    { logger: base.logger, access },
  );
}

const call = (handler: HttpHandler, key?: string, path = '/sentiment') =>
  invoke<{ error?: { type: string; message: string } }>(
    handler,
    httpEvent('POST', path, { body: { text: 'hi' }, headers: key ? { 'x-api-key': key } : {} }),
  );

describe('API keys in the HTTP layer', () => {
  it('answers 401 without a key, 403 for an unknown, revoked or out-of-scope key, and 200 in scope', async () => {
    // Prepare
    const route = guardedRoute();
    const { key } = await keyWith({ scopes: ['POST /sentiment'] });
    const { key: revoked, record } = await keyWith();
    await table.store.revokeKey(record.keyId);
    // Act
    const missing = await call(route);
    const unknown = await call(route, `gek_${'0'.repeat(16)}_${'a'.repeat(43)}`);
    const wrongSecret = await call(route, `${key.slice(0, -4)}AAAA`);
    const revokedAnswer = await call(route, revoked);
    const outOfScope = await call(route, key, '/summarize');
    const inScope = await call(route, key);
    // Assess
    expect(missing.statusCode).toBe(401);
    expect(missing.body.error?.type).toBe('unauthorized');
    expect(missing.headers['www-authenticate']).toContain('x-api-key');
    for (const refused of [unknown, wrongSecret, revokedAnswer, outOfScope]) {
      expect(refused.statusCode).toBe(403);
      expect(refused.body.error?.type).toBe('forbidden');
    }
    expect(outOfScope.body.error?.message).toContain('POST /summarize');
    expect(inScope.statusCode).toBe(200);
  });

  it('stores only a hash of the secret', async () => {
    const { key, record } = await keyWith();
    const stored = await table.store.getKey(record.keyId);
    const secret = parseApiKey(key)?.secret ?? '';
    expect(secret).not.toBe('');
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(stored?.secretHash).toMatch(/^[a-f0-9]{64}$/);
  });

  it('answers 429 rate_limited with Retry-After over the key rate', async () => {
    // Prepare
    const route = guardedRoute();
    const { key } = await keyWith({ ratePerSecond: 0.5, burst: 3 });
    // Act
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await call(route, key));
    // Assess
    expect(answers.slice(0, 3).map((a) => a.statusCode)).toEqual([200, 200, 200]);
    expect(answers[3]?.statusCode).toBe(429);
    expect(answers[3]?.body.error?.type).toBe('rate_limited');
    expect(Number(answers[3]?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('never overspends a budget when many requests arrive at once, and stops the key once spent', async () => {
    // Prepare: 55 tokens a day, 10 per request: five fit.
    const route = guardedRoute({ tokens: 10 });
    const { key, record } = await keyWith({ budgets: { tokens: 55 } });
    // Act
    const answers = await Promise.all(Array.from({ length: 30 }, () => call(route, key)));
    const later = await call(route, key);
    // Assess
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25);
    const refused = answers.find((a) => a.statusCode === 429);
    expect(refused?.body.error?.type).toBe('budget_exhausted');
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(0);
    expect(later.statusCode).toBe(429);
    const used = await table.store.usage(record.keyId, usageDay(Date.now()));
    expect(used.tokens).toBe(50);
    expect(used.computeMs).toBeGreaterThanOrEqual(0);
  });

  it('settles a reservation with what the request spent', async () => {
    // Prepare: the route reserves 10 tokens and reports 3.
    const route = guardedRoute({
      tokens: 10,
      handle: async () => ({ statusCode: 200, headers: {}, body: '{}' }),
    });
    const spends3 = createHttpHandler(
      {
        name: 'spends-3',
        reserve: () => ({ tokens: 10 }),
        handle: async () => ({ body: {}, usage: { tokens: 3 } }),
      },
      {
        logger: silentLogger(),
        access: apiKeyGuard({
          config: loadConfig({ ...process.env, ...table.env }),
          logger: silentLogger(),
        }),
      },
    );
    const { key, record } = await keyWith({ budgets: { tokens: 1000 } });
    // Act
    await call(spends3, key);
    await call(route, key);
    // Assess: 3 spent and reported, 10 charged as the estimate of a route that counts nothing.
    expect((await table.store.usage(record.keyId, usageDay(Date.now()))).tokens).toBe(13);
  });

  it('ignores an authorizer context a client made, and trusts the one its own admission handed on', async () => {
    // Prepare: one token only, so a second count would be refused.
    const { key } = await keyWith({ ratePerSecond: 0.001, burst: 1 });
    const inner = guardedRoute();
    const outer = guardedRoute({
      handle: async (event, context) => {
        const dispatched = dispatchEvent(event, { method: 'POST', path: '/sentiment' }, { text: 'x' }, 'r1');
        return inner(dispatched, context);
      },
    });
    const forged = httpEvent('POST', '/sentiment', { body: { text: 'hi' } });
    (forged.requestContext as { authorizer?: unknown }).authorizer = {
      lambda: { key_id: 'anyone', key_name: 'x', rate_per_second: 1, burst: 1, dispatched: true },
    };
    // Act
    const forgedAnswer = await invoke(inner, forged);
    const viaOuter = await call(outer, key);
    // Assess
    expect(forgedAnswer.statusCode).toBe(401);
    expect(viaOuter.statusCode).toBe(200);
  });

  it('is off when API_KEYS_TABLE is unset: the route is open', () => {
    expect(apiKeyGuard({ config: loadConfig({ ...process.env }), logger: silentLogger() })).toBeUndefined();
  });
});

describe('the usage guard', () => {
  it('reserves atomically: of 40 concurrent requests of 10 tokens, 9 fit a budget of 95', async () => {
    const guard = createUsageGuard({ store: table.store });
    const { record } = await keyWith({ budgets: { tokens: 95 } });
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, () => guard.reserve(record, { tokens: 10, images: 0, computeMs: 0 })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(9);
    expect((await table.store.usage(record.keyId, usageDay(Date.now()))).tokens).toBe(90);
  });

  it('takes exactly the burst of tokens when many requests arrive at once', async () => {
    const { record } = await keyWith({ ratePerSecond: 0.001, burst: 5 });
    const now = Date.now();
    const results = await Promise.all(
      Array.from({ length: 30 }, () => table.store.takeToken(record.keyId, record, now)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(5);
  });

  it('refills the bucket with time, and resets the budgets the next UTC day', async () => {
    // Prepare
    let now = Date.parse('2026-01-01T23:59:00Z');
    const guard = createUsageGuard({ store: table.store, now: () => now });
    const { record } = await keyWith({ ratePerSecond: 1, burst: 1, budgets: { images: 2 } });
    const twoImages = { tokens: 0, images: 2, computeMs: 0 };
    // Act / Assess
    await guard.takeToken(record);
    await expect(guard.takeToken(record)).rejects.toMatchObject({ statusCode: 429, type: 'rate_limited' });
    await guard.reserve(record, twoImages);
    await expect(guard.reserve(record, twoImages)).rejects.toMatchObject({
      statusCode: 429,
      type: 'budget_exhausted',
      headers: { 'retry-after': '60' },
    });
    now += 60_000;
    await guard.takeToken(record);
    await expect(guard.reserve(record, twoImages)).resolves.toMatchObject({ day: '2026-01-02' });
  });
});

describe('the Lambda authorizer', () => {
  /** An HTTP API REQUEST authorizer event (payload 2.0), as API Gateway sends it. */
  const authorizerEvent = (routeKey: string, key?: string): APIGatewayRequestAuthorizerEventV2 => {
    const [method = 'POST', path = '/'] = routeKey.split(' ');
    return {
      version: '2.0',
      type: 'REQUEST',
      routeArn: `arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/${method}${path}`,
      identitySource: key ? [key, routeKey] : [routeKey],
      routeKey,
      rawPath: path,
      rawQueryString: '',
      cookies: [],
      headers: {
        host: 'abcdef123.execute-api.us-east-1.amazonaws.com',
        ...(key ? { 'x-api-key': key } : {}),
      },
      queryStringParameters: {},
      requestContext: {
        accountId: '123456789012',
        apiId: 'abcdef123',
        domainName: 'abcdef123.execute-api.us-east-1.amazonaws.com',
        domainPrefix: 'abcdef123',
        http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'curl/8' },
        requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
        routeKey,
        stage: '$default',
        time: '12/Mar/2026:19:03:58 +0000',
        timeEpoch: 1_773_342_238_000,
      },
      pathParameters: {},
      stageVariables: {},
    } as unknown as APIGatewayRequestAuthorizerEventV2;
  };

  it('allows a key in scope with its identity as context, and refuses the rest', async () => {
    // Prepare
    const authorize = createAuthorizer({ store: table.store, logger: silentLogger() });
    const { key, record } = await keyWith({ scopes: ['DELETE /documents/{id}'], budgets: { tokens: 7 } });
    // Act
    const allowed = await authorize(authorizerEvent('DELETE /documents/{id}', key));
    const outOfScope = await authorize(authorizerEvent('POST /hello-llm', key));
    const missing = await authorize(authorizerEvent('DELETE /documents/{id}'));
    // Assess
    expect(allowed).toEqual({
      isAuthorized: true,
      context: { key_id: record.keyId, key_name: 'test', rate_per_second: 100, burst: 100, budget_tokens: 7 },
    });
    expect(outOfScope.isAuthorized).toBe(false);
    expect(missing.isAuthorized).toBe(false);
  });
});

describe('every route', () => {
  const functions = readServerlessConfig().functions;

  // The health check, the local metrics and the API's own description are public.
  const PUBLIC_PATHS = ['/health', '/metrics', '/openapi.json', '/docs', '/docs/{file}'];

  it.each(ROUTES.filter((route) => !PUBLIC_PATHS.includes(route.path)))(
    '$method $path needs a key when keys are on',
    async (route) => {
      // Prepare
      const handlerFile = functions[route.functionName]?.handler.replace(/\.handler$/, '');
      const module = (await import(`../../${handlerFile}`)) as {
        createHandler?: (deps: never) => HttpHandler;
        create?: (deps: never) => HttpHandler;
      };
      const create = module.createHandler ?? module.create;
      if (!create) throw new Error(`no handler factory in ${handlerFile}`);
      const path = route.path.replace(/\{[a-z_]+\}/g, 'x1');
      // Act
      const answer = await invoke(
        create(testDependencies(table.env) as never),
        httpEvent(route.method, path, { body: {} }),
      );
      // Assess
      expect(answer.statusCode).toBe(401);
    },
  );
});

describe('CORS', () => {
  it('answers the configured origins only', async () => {
    const handler = createHttpHandler(
      { name: 'cors', handle: async () => ({ body: {} }) },
      { logger: silentLogger(), corsOrigins: ['https://app.example'] },
    );
    const from = (origin: string) => invoke(handler, httpEvent('GET', '/x', { headers: { origin } }));
    expect((await from('https://app.example')).headers['access-control-allow-origin']).toBe(
      'https://app.example',
    );
    const other = (await from('https://elsewhere.example')).headers['access-control-allow-origin'];
    expect(other === undefined || other === 'null').toBe(true);
  });
});

describe('the streaming function URL', () => {
  /** A sink that keeps the status and the bytes. */
  function recordingSink() {
    const sink = {
      statusCode: 0,
      text: '',
      signal: new AbortController().signal,
      start(statusCode: number) {
        sink.statusCode = statusCode;
      },
      write(chunk: string) {
        sink.text += chunk;
      },
      end: async () => undefined,
    };
    return sink;
  }

  it('checks the key and its scope itself, since no authorizer stands in front of a function URL', async () => {
    // Prepare: the stream function over the keys table
    const deps = testDependencies(table.env);
    const stream = createStreamHandler(deps);
    const { key } = await keyWith({ scopes: ['POST /hello-llm'] });
    const request = (path: string, apiKey?: string) => {
      // A function URL's event names no route
      const event = {
        ...httpEvent('POST', path, {
          body: { prompt: 'Once upon a time', max_new_tokens: 2, stream: true },
          headers: apiKey ? { 'x-api-key': apiKey } : {},
        }),
        routeKey: '$default',
      };
      const sink = recordingSink();
      return stream(event, sink).then(() => sink);
    };
    try {
      // Act
      const missing = await request('/hello-llm');
      const outOfScope = await request('/v1/completions', key);
      const inScope = await request('/hello-llm', key);
      // Assess
      expect(missing.statusCode).toBe(401);
      expect(JSON.parse(missing.text).error.type).toBe('unauthorized');
      expect(outOfScope.statusCode).toBe(403);
      expect(JSON.parse(outOfScope.text).error.code).toBe('forbidden');
      expect(inScope.statusCode).toBe(200);
      expect(inScope.text).toMatch(/^event: token\n/);
    } finally {
      await deps.runtime.dispose();
    }
  }, 60_000);

  it('reserves the budget a stream may spend, and charges it: a key with too little left is refused', async () => {
    // Prepare: a budget of 40 tokens; a stream of "Once upon a time" reserves 16 + 2 + 2 of them
    const deps = testDependencies(table.env);
    const stream = createStreamHandler(deps);
    const { key } = await keyWith({ scopes: ['POST /hello-llm'], budgets: { tokens: 40 } });
    const request = () => {
      const event = {
        ...httpEvent('POST', '/hello-llm', {
          body: { prompt: 'Once upon a time', max_new_tokens: 2, stream: true },
          headers: { 'x-api-key': key },
        }),
        routeKey: '$default',
      };
      const sink = recordingSink();
      return stream(event, sink).then(() => sink);
    };
    try {
      // Act
      const first = await request();
      const second = await request();
      const third = await request();
      // Assess
      expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
      expect(third.statusCode).toBe(429);
      expect(JSON.parse(third.text).error.type).toBe('budget_exhausted');
    } finally {
      await deps.runtime.dispose();
    }
  }, 60_000);
});
