/** Named stages, payload 1.0 events and time limits: what API Gateway and Lambda can hand a handler. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandler as generateImage } from '../../functions/generate-image/handler';
import { createHandler as notFound } from '../../functions/not-found/handler';
import { createHttpHandler, TIMEOUT_MARGIN_MS } from '../../shared/http/handler';
import { publicBaseUrl, requestMethod, routePath, stagePrefix } from '../../shared/http/request-route';
import * as z from '../../shared/schema';
import { silentLogger, testDependencies } from '../helpers/dependencies';
import { httpEvent, invoke, lambdaContext, payloadV1Event } from '../helpers/events';

type ErrorBody = { error: { type: string; message: string; request_id: string } };

const deps = testDependencies({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'routing-')) });
afterAll(() => Promise.all([deps.runtime.dispose(), deps.imageGenerator.dispose()]));

describe('the catch-all route', () => {
  const handler = notFound(deps);

  it('answers 405 for a known path on a named stage', async () => {
    // Prepare
    const event = httpEvent('DELETE', '/sentiment', { stage: 'prod' });
    // Act
    const response = await invoke<ErrorBody>(handler, event);
    // Assess
    expect(event.rawPath).toBe('/prod/sentiment');
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('POST');
    expect(response.body.error.message).toContain('/sentiment');
  });

  it('answers 404 for an unknown path on a named stage', async () => {
    const response = await invoke<ErrorBody>(handler, httpEvent('GET', '/nope', { stage: 'prod' }));
    expect(response.statusCode).toBe(404);
    expect(response.body.error.type).toBe('not_found');
  });

  it('answers a payload 1.0 event with the same JSON errors', async () => {
    const wrongMethod = await invoke<ErrorBody>(handler, payloadV1Event('GET', '/sentiment', 'prod'));
    const unknown = await invoke<ErrorBody>(handler, payloadV1Event('POST', '/nowhere'));
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers.allow).toBe('POST');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body.error.request_id).toBe(unknown.headers['x-request-id']);
  });
});

describe('request routes', () => {
  it('reads method, path and stage from both payload versions', () => {
    const v2 = httpEvent('GET', '/jobs/1', { stage: 'prod', headers: { host: 'api.example.com' } });
    const v1 = payloadV1Event('POST', '/jobs/1', 'beta');
    expect([requestMethod(v2), routePath(v2), stagePrefix(v2)]).toEqual(['GET', '/jobs/1', '/prod']);
    expect([requestMethod(v1), routePath(v1), stagePrefix(v1)]).toEqual(['POST', '/jobs/1', '/beta']);
    expect(publicBaseUrl(v2)).toBe('https://api.example.com/prod');
  });

  it('keeps a path that only starts like the stage name', () => {
    const event = httpEvent('GET', '/products', { stage: 'prod' });
    event.rawPath = '/products';
    expect(routePath(event)).toBe('/products');
    expect(stagePrefix(event)).toBe('');
  });
});

describe('job links on a named stage', () => {
  it('carry the stage prefix', async () => {
    // Prepare
    const event = httpEvent('POST', '/generate-image', {
      stage: 'prod',
      headers: { host: 'api.example.com' },
      body: { prompt: 'a lighthouse', steps: 2, width: 64, height: 64, seed: 1, sync: true },
    });
    // Act
    const response = await invoke<{ status_url: string; images: { url: string }[] }>(
      generateImage(deps),
      event,
    );
    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body.status_url).toMatch(/^https:\/\/api\.example\.com\/prod\/jobs\/[0-9a-f-]{36}$/);
    expect(response.headers.location).toBe(response.body.status_url);
    expect(response.body.images[0]?.url).toMatch(/^https:\/\/api\.example\.com\/prod\/jobs\/.+\/images\/0$/);
  });
});

describe('a request that runs out of time', () => {
  it('answers a JSON 504 before the function times out', async () => {
    // Prepare: a route slower than the time the function has left
    const handler = createHttpHandler(
      {
        name: 'slow',
        body: z.object({}),
        handle: () => new Promise((resolve) => setTimeout(() => resolve({ body: { late: true } }), 5_000)),
      },
      { logger: silentLogger() },
    );
    const started = Date.now();
    // Act
    const response = await invoke<ErrorBody>(
      handler,
      httpEvent('POST', '/slow', { body: {} }),
      lambdaContext('slow', TIMEOUT_MARGIN_MS + 300),
    );
    // Assess
    expect(response.statusCode).toBe(504);
    expect(response.body.error.type).toBe('timeout');
    expect(response.body.error.message).toContain('time limit');
    expect(JSON.stringify(response.body)).not.toMatch(/\bat .+:\d+:\d+/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
