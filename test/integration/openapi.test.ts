/**
 * The OpenAPI document: valid OpenAPI 3.1 (checked by @readme/openapi-parser), one operation for each route
 * the suite serves and no other, and every sample response of the README and docs/api.md valid against the
 * schema of its route and status; then the two routes that serve the document and its reference page.
 */
import { readFileSync } from 'node:fs';
import { validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { createHandler as apiDocs } from '../../functions/docs/handler';
import { createHandler as openApi } from '../../functions/openapi/handler';
import {
  DOCUMENTED_ROUTES,
  openApiDocument,
  responseSchemaOf,
  SERVED_ROUTES,
} from '../../shared/http/openapi-document';
import * as z from '../../shared/schema';
import { testDependencies } from '../helpers/dependencies';
import { httpEvent, invoke, lambdaContext } from '../helpers/events';

interface Sample {
  readonly file: string;
  readonly method: string;
  readonly path: string;
  readonly json: string;
}

/**
 * Sample responses of a Markdown file: each line of a `json` block that follows a `sh` block of curl calls,
 * paired with the curl calls in order (or all with the last one, when the counts differ).
 */
function samplesOf(file: string): Sample[] {
  const blocks = [...readFileSync(file, 'utf8').matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({
    lang: m[1] ?? '',
    text: m[2] ?? '',
  }));
  const samples: Sample[] = [];
  for (const [i, block] of blocks.entries()) {
    const previous = blocks[i - 1];
    if (block.lang !== 'json' || previous?.lang !== 'sh') continue;
    const calls = previous.text
      .replace(/\\\n/g, ' ')
      .split('\n')
      .filter((line) => /^\s*(?:\w+=\$\()?curl /.test(line))
      .map((line) => {
        const url = /https?:\/\/[^/\s'"]+(\/[^\s'"?]*)/.exec(line)?.[1] ?? '/';
        const method = /-X (\w+)/.exec(line)?.[1] ?? (/ -d /.test(line) ? 'POST' : 'GET');
        return { method, path: url.replace(/\/\$\w+|\/[0-9a-f-]{36}/g, '/{id}') };
      });
    const lines = block.text.split('\n').filter((line) => line.trim() !== '');
    for (const [n, json] of lines.entries()) {
      const call = lines.length === calls.length ? calls[n] : calls.at(-1);
      if (call) samples.push({ file, ...call, json });
    }
  }
  return samples;
}

const routeOf = (path: string) =>
  path
    .replace(/^\/documents\/[^/{]+$/, '/documents/{id}')
    .replace(/^\/chat\/[^/{]+$/, '/chat/{session_id}')
    .replace(/^\/jobs\/[^/{]+$/, '/jobs/{id}');

describe('the OpenAPI document', () => {
  const document = openApiDocument();

  it('is valid OpenAPI 3.1', async () => {
    const result = await validate(structuredClone(document) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(document.openapi).toBe('3.1.0');
  });

  it('describes every route the suite serves, and no other', () => {
    expect([...DOCUMENTED_ROUTES].sort()).toEqual([...new Set(SERVED_ROUTES)].sort());
    const operations = Object.values(document.paths).flatMap((p) => Object.keys(p));
    expect(operations).toHaveLength(DOCUMENTED_ROUTES.length);
  });

  it("holds every sample response of the README and docs/api.md to its route's schema", () => {
    const samples = [...samplesOf('README.md'), ...samplesOf('docs/api.md')];
    expect(samples.length).toBeGreaterThan(25);
    const failures: string[] = [];
    for (const sample of samples) {
      const body = JSON.parse(sample.json) as Record<string, unknown>;
      const path = routeOf(sample.path);
      const status = 'error' in body ? 400 : sample.method === 'POST' && path === '/documents' ? 201 : 200;
      const schema =
        responseSchemaOf(sample.method, path, status) ??
        (path === '/generate-image' ? responseSchemaOf('POST', path, 202) : undefined);
      if (!schema) {
        failures.push(`${sample.file}: no schema for ${sample.method} ${path}`);
        continue;
      }
      const result = z.safeParse(schema, body);
      if (!result.success)
        failures.push(`${sample.file}: ${sample.method} ${path}: ${z.prettifyError(result.error)}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('GET /openapi.json and GET /docs', () => {
  const deps = testDependencies({ STREAMING_URL: 'https://stream.example.lambda-url.us-east-1.on.aws/' });

  it('serves the document with this API and the streaming URL as its servers', async () => {
    // The document's own keys (operationId, requestBody) are OpenAPI's, not the API's snake_case.
    const response = await openApi({ ...deps, document: openApiDocument() })(
      httpEvent('GET', '/openapi.json', { headers: { host: 'api.example.com' } }),
      lambdaContext(),
    );
    const body = JSON.parse(response.body ?? '{}') as { servers: { url: string }[]; paths: object };
    expect(response.statusCode).toBe(200);
    expect(body.servers.map((s) => s.url)).toEqual([
      'https://api.example.com',
      'https://stream.example.lambda-url.us-east-1.on.aws/',
    ]);
    expect(Object.keys(body.paths)).toContain('/v1/chat/completions');
  });

  it('serves the reference page and its files from the package, nothing from elsewhere', async () => {
    const handler = apiDocs(deps);
    const page = await invoke(handler, httpEvent('GET', '/docs', { headers: { host: '127.0.0.1:3000' } }));
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const urls = [...String(page.body).matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(urls).toEqual([
      'http://127.0.0.1:3000/docs/swagger-ui.css',
      'http://127.0.0.1:3000/docs/swagger-ui-bundle.js',
    ]);
    const bundle = await handler(
      { ...httpEvent('GET', '/docs/swagger-ui-bundle.js'), pathParameters: { file: 'swagger-ui-bundle.js' } },
      lambdaContext(),
    );
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    expect(String(bundle.body).length).toBeGreaterThan(100_000);
    const missing = await invoke(handler, {
      ...httpEvent('GET', '/docs/package.json'),
      pathParameters: { file: 'package.json' },
    });
    expect(missing.statusCode).toBe(404);
  });
});
