/** serverless.yml and the route table must describe the same API, and every handler must exist. */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { functionFootprints } from '../../scripts/deployment-limits';
import { httpRouteOf, readServerlessConfig, refName } from '../../scripts/serverless-config';
import { chatFunctionNames } from '../../shared/app/chat';
import { ROUTES } from '../../shared/http/routes';
import { MODEL_CATALOG, MODEL_KEYS } from '../../shared/models/catalog';
import * as z from '../../shared/schema';

const config = readServerlessConfig();

describe('serverless.yml', () => {
  it('declares exactly the routes of the route table, plus the catch-all', () => {
    const declared = Object.entries(config.functions).flatMap(([name, fn]) =>
      (fn.events ?? []).flatMap((e) => (e.httpApi ? [{ name, route: httpRouteOf(e.httpApi) }] : [])),
    );
    const expected = ROUTES.map((r) => ({ name: r.functionName, route: `${r.method} ${r.path}` }));
    const byRoute = (a: { route?: string }, b: { route?: string }) =>
      String(a.route).localeCompare(String(b.route));
    expect(declared.filter((d) => d.route !== '*').sort(byRoute)).toEqual(expected.sort(byRoute));
    expect(declared.find((d) => d.route === '*')?.name).toBe('notFound');
  });

  it('points every function at a handler module that exists, with its own memory and timeout', () => {
    for (const fn of Object.values(config.functions)) {
      const file = `${fn.handler.replace(/\.handler$/, '')}.ts`;
      expect(existsSync(file), file).toBe(true);
      expect(fn.memorySize).toBeGreaterThan(0);
      // API Gateway gives up after 29 s; only event-driven functions may run longer.
      const http = (fn.events ?? []).some((e) => e.httpApi);
      expect(fn.timeout).toBeLessThanOrEqual(http ? 29 : 900);
    }
  });

  it('gives every function the runtime layer, and model functions their model layer or bucket', () => {
    for (const [name, fn] of Object.entries(config.functions)) {
      const layers = (fn.layers ?? config.provider.layers ?? []).map(refName);
      expect(layers, name).toContain('ModelRuntimeLambdaLayer');
    }
    expect(config.functions.sentiment?.layers?.map(refName)).toContain('ModelsSentimentLambdaLayer');
    for (const name of ['summarize', 'helloLlm', 'captionImage', 'ragQuery', 'ragFaissQuery'])
      expect(config.functions[name]?.environment?.MODEL_S3_URI, name).toBe(
        '${env:MODEL_S3_URI, self:custom.modelS3Uri}',
      );
    expect(config.custom.modelS3Uri).toEqual({ Sub: 's3://${ModelBucket}/models' });
  });

  it('lets every function reach each model it loads, from a layer it attaches or from the model bucket', () => {
    const footprints = functionFootprints(config, { code: () => 0, layer: () => 0, model: () => 0 });
    for (const f of footprints) expect(f.unreachable, f.name).toEqual([]);
    // A model the catalog places in S3 is never looked for in a layer, and a layered one always is.
    for (const f of footprints) {
      for (const m of f.bucketModels) expect(MODEL_CATALOG[m.key].standard.source, f.name).toBe('s3');
    }
    const layered = MODEL_KEYS.filter((key) => MODEL_CATALOG[key].standard.source === 'layer');
    const declared = Object.keys(config.layers as Record<string, unknown>).filter((l) =>
      l.startsWith('models'),
    );
    expect(declared.sort()).toEqual(
      layered
        .map((key) => `models${key.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase())}`)
        .sort(),
    );
  });

  it('triggers ingestion on created and removed objects under the documents prefix, with a failure queue', () => {
    const events = (config.functions.documentsS3?.events ?? []) as {
      s3?: { event: string; rules: { prefix: string }[] };
    }[];
    expect(events.map((e) => e.s3?.event)).toEqual(['s3:ObjectCreated:*', 's3:ObjectRemoved:*']);
    expect(events.every((e) => e.s3?.rules[0]?.prefix === 'documents/')).toBe(true);
    const rag = ['ingestDocument', 'deleteDocument', 'ragQuery', 'ragFaissQuery', 'documentsS3'];
    for (const name of rag)
      expect(config.functions[name]?.layers?.map(refName), name).toContain('FaissLambdaLayer');
  });

  it('gives every environment variable a plain value that serverless-offline can pass on', () => {
    // CloudFormation references only resolve when deployed: they must come through ${env:X, self:custom.y},
    // so that the local server can set X (usually to '') instead of handing the handler "[object Object]".
    const environments = [
      (config.provider as { environment?: Record<string, unknown> }).environment ?? {},
      ...Object.values(config.functions).map((fn) => fn.environment ?? {}),
    ];
    for (const environment of environments) {
      for (const [name, value] of Object.entries(environment)) expect(typeof value, name).toBe('string');
    }
  });

  it('runs on nodejs22.x and leaves the model runtime to the layer', () => {
    expect(config.provider.runtime).toBe('nodejs22.x');
    expect(config.custom.esbuild.exclude).toEqual(
      expect.arrayContaining(['@huggingface/transformers', 'onnxruntime-node', 'sharp']),
    );
  });
});

describe('the chat function', () => {
  const Statements = z.array(z.looseObject({ Action: z.unknown(), Resource: z.unknown() }));

  it('may invoke exactly the functions it dispatches to, under its own role', () => {
    // Prepare: the functions /chat routes to, by their CloudFormation logical ids
    const targets = Object.values(chatFunctionNames(''))
      .map((name) => `${name.charAt(0).toUpperCase()}${name.slice(1)}LambdaFunction.Arn`)
      .sort();
    // Act
    const statements = Statements.parse(config.functions.chat?.iamRoleStatements);
    const invoke = statements.filter((s) => s.Action === 'lambda:InvokeFunction');
    // Assess
    expect(invoke).toHaveLength(1);
    const granted = z.array(z.object({ GetAtt: z.string() })).parse(invoke[0]?.Resource);
    expect(granted.map((r) => r.GetAtt).sort()).toEqual(targets);
    const others = Object.entries(config.functions).filter(([name]) => name !== 'chat');
    for (const [, fn] of others) {
      const own = Statements.parse(fn.iamRoleStatements ?? []);
      expect(own.some((s) => JSON.stringify(s.Action).includes('lambda:'))).toBe(false);
    }
    expect(config.functions.chat?.layers?.map(refName)).toContain('ModelsEmbeddingsLambdaLayer');
  });
});

describe('API keys and CORS in serverless.yml', () => {
  const raw = config as unknown as {
    provider: {
      httpApi: { authorizers: Record<string, Record<string, unknown>>; cors: { allowedOrigins: unknown } };
    };
    params: { default: { corsOrigin: string; corsOrigins: string[] } };
    custom: { 'serverless-offline': { noAuth?: boolean } };
  };

  // The health check, the local metrics, the catch-all 404 and the API's own description are public.
  const PUBLIC_ROUTES = [
    'GET /health',
    'GET /metrics',
    '*',
    'GET /openapi.json',
    'GET /docs',
    'GET /docs/{file}',
  ];

  it('guards every route but the health check, the local metrics, the catch-all and the API description with the API key authorizer', () => {
    for (const [name, fn] of Object.entries(config.functions)) {
      for (const event of fn.events ?? []) {
        if (!event.httpApi) continue;
        const route = httpRouteOf(event.httpApi);
        const authorizer = typeof event.httpApi === 'string' ? undefined : event.httpApi.authorizer?.name;
        expect(authorizer, `${name}: ${route}`).toBe(PUBLIC_ROUTES.includes(route) ? undefined : 'apiKey');
      }
    }
    expect(raw.provider.httpApi.authorizers.apiKey).toMatchObject({
      type: 'request',
      functionName: 'apiAuthorizer',
      enableSimpleResponses: true,
      // Cached per key and route: a key allowed on one route is not thereby allowed on another.
      identitySource: ['$request.header.x-api-key', '$context.routeKey'],
    });
    expect(raw.provider.httpApi.authorizers.apiKey?.resultTtlInSeconds).toBeGreaterThan(0);
    expect(config.functions.apiAuthorizer?.handler).toBe('functions/api-authorizer/handler.handler');
  });

  it('never allows every origin on a deployed stage, and runs the same key checks locally', () => {
    expect(raw.provider.httpApi.cors.allowedOrigins).toBe('${param:corsOrigins}');
    expect(JSON.stringify(raw.params)).not.toContain("'*'");
    expect(raw.params.default.corsOrigins).toEqual(["${env:CORS_ORIGIN, 'http://localhost:3000'}"]);
    expect(raw.custom['serverless-offline'].noAuth).toBe(true);
  });
});

describe('the usage dashboard and alarms', () => {
  const resources = (
    config as unknown as {
      resources: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    }
  ).resources.Resources;

  it('declares a dashboard whose body is JSON, over the metrics the functions emit', () => {
    const body =
      (resources.UsageDashboard?.Properties.DashboardBody as { Sub: string } | undefined)?.Sub ?? '';
    const dashboard = JSON.parse(body.replaceAll('${AWS::Region}', 'us-east-1')) as { widgets: unknown[] };
    expect(dashboard.widgets.length).toBeGreaterThanOrEqual(5);
    for (const metric of [
      'service_requests',
      'service_errors',
      'service_latency_ms',
      'errors_by_type',
      'tokens',
      'safety_',
      'cost_usd',
      'tokens_in',
      'tokens_out',
      'model_load_ms',
    ])
      expect(body).toContain(metric);
  });

  it('alarms on the error rate, p95 latency, throttles and spent budgets', () => {
    expect(resources.ErrorRateAlarm?.Type).toBe('AWS::CloudWatch::Alarm');
    expect(resources.LatencyP95Alarm?.Properties).toMatchObject({
      MetricName: 'service_latency_ms',
      ExtendedStatistic: 'p95',
    });
    expect(resources.LambdaThrottlesAlarm?.Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Throttles',
    });
    expect(resources.RateLimitedAlarm?.Properties.Dimensions).toContainEqual({
      Name: 'error_type',
      Value: 'rate_limited',
    });
    expect(resources.BudgetExhaustedAlarm?.Properties.Dimensions).toContainEqual({
      Name: 'error_type',
      Value: 'budget_exhausted',
    });
  });
});
