/**
 * Usage metrics: every request counted per route (status, errors by type, latency, tokens, cache hits,
 * safety verdicts) in the registry GET /metrics shows in Prometheus' format, and in one EMF record per
 * request for CloudWatch.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHandler as diffusionGenerate } from '../../functions/diffusion-generate/handler';
import { createHandler as helloLlm } from '../../functions/hello-llm/handler';
import { createHandler as metricsRoute } from '../../functions/metrics/handler';
import { createHandler as stream } from '../../functions/stream/handler';
import { createMetricsRecorder, resetMetrics } from '../../shared/http/request-metrics';
import { testDependencies } from '../helpers/dependencies';
import { httpEvent, lambdaContext } from '../helpers/events';

const deps = testDependencies({
  SAFETY_POLICIES: 'pii=redact,toxicity=block',
  RESPONSE_CACHE_TTL_SECONDS: '60',
  DATA_DIR: await mkdtemp(path.join(os.tmpdir(), 'metrics-')),
});
afterAll(() => deps.runtime.dispose());
beforeEach(() => resetMetrics());

const scrape = async () => {
  const response = await metricsRoute(deps)(httpEvent('GET', '/metrics'), lambdaContext());
  expect(response.headers['content-type']).toContain('text/plain; version=0.0.4');
  // A text answer has no field for its cost: it is in a header.
  expect(Number(response.headers['x-cost-usd'])).toBeGreaterThan(0);
  return response.body ?? '';
};

describe('GET /metrics', () => {
  it('counts the images a route generates and their sampler steps', async () => {
    const response = await diffusionGenerate(deps)(
      httpEvent('POST', '/diffusion/generate', { body: { count: 2, steps: 5, seed: 1 } }),
      lambdaContext(),
    );
    expect(response.statusCode).toBe(200);
    const text = await scrape();
    expect(text).toContain('genai_images{route="diffusion-generate"} 2');
    expect(text).toContain('genai_steps{route="diffusion-generate"} 10');
  });

  it("counts the streaming URL's requests under the route they stream, with their cost, and audits them", async () => {
    // Prepare: a logger that keeps what it writes
    const lines: string[] = [];
    const logged = { ...deps, logger: deps.logger };
    const info = vi.spyOn(logged.logger, 'info').mockImplementation((...args: unknown[]) => {
      lines.push(JSON.stringify(args));
    });
    const sink = { signal: new AbortController().signal, start() {}, write() {}, end: async () => undefined };
    // Act
    await stream(logged)(
      httpEvent('POST', '/hello-llm', { body: { prompt: 'once', max_new_tokens: 2, stream: true } }),
      sink,
    );
    await stream(logged)(httpEvent('POST', '/hello-llm', { body: { prompt: '', stream: true } }), sink);
    info.mockRestore();
    const text = await scrape();
    // Assess
    expect(text).toContain('genai_requests{route="hello-llm",status="200"} 1');
    expect(text).toContain('genai_errors{route="hello-llm",error_type="validation_error"} 1');
    expect(text).toMatch(/genai_cost_usd\{route="hello-llm"\} [0-9.e-]+/);
    const audits = lines.filter((line) => line.includes('"audit"'));
    expect(audits).toHaveLength(2);
    expect(audits[0]).toContain('"streamed":true');
    expect(audits[1]).toContain('"error_type":"validation_error"');
  });

  it('counts requests, errors by type, latency, tokens, cache hits and safety verdicts per route', async () => {
    // Act
    const generate = helloLlm(deps);
    const ask = (prompt: string) =>
      generate(httpEvent('POST', '/hello-llm', { body: { prompt, max_new_tokens: 2 } }), lambdaContext());
    await ask('mail ada@example.com');
    await ask('mail ada@example.com');
    await ask('you idiot');
    await generate(httpEvent('POST', '/hello-llm', { body: { prompt: '' } }), lambdaContext());
    const text = await scrape();
    // Assess
    expect(text).toContain('# TYPE genai_requests counter');
    expect(text).toContain('genai_requests{route="hello-llm",status="200"} 2');
    expect(text).toContain('genai_requests{route="hello-llm",status="422"} 2');
    expect(text).toContain('genai_errors{route="hello-llm",error_type="content_blocked"} 1');
    expect(text).toContain('genai_errors{route="hello-llm",error_type="validation_error"} 1');
    expect(text).toMatch(/genai_latency_ms_count\{route="hello-llm"\} 4/);
    expect(text).toMatch(/genai_tokens\{route="hello-llm"\} \d+/);
    expect(text).toContain('genai_cache_hits{route="hello-llm"} 1');
    expect(text).toContain('genai_cache_misses{route="hello-llm"} 1');
    expect(text).toContain(
      'genai_safety_verdicts{route="hello-llm",filter="pii",direction="input",verdict="redacted"} 2',
    );
    expect(text).toContain(
      'genai_safety_verdicts{route="hello-llm",filter="toxicity",direction="input",verdict="blocked"} 1',
    );
  });

  it('counts the cost a response reports, its input and output tokens, and the model load time', async () => {
    // Prepare: a runtime of its own, so that its model loads within this test.
    const fresh = testDependencies({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '2048' });
    const request = { prompt: 'the lighthouse', max_new_tokens: 3 };
    // Act
    const response = await helloLlm(fresh)(
      httpEvent('POST', '/hello-llm', { body: request }),
      lambdaContext(),
    );
    const text = await scrape();
    await fresh.runtime.dispose();
    // Assess
    const body = JSON.parse(response.body ?? '{}') as {
      usage: { prompt_tokens: number; completion_tokens: number };
      cost: { usd: number; compute_gb_s: number; tokens_in: number; tokens_out: number };
    };
    expect(body.cost.usd).toBeGreaterThan(0);
    expect(text).toContain(`genai_cost_usd{route="hello-llm"} ${body.cost.usd}\n`);
    expect(body.cost).toMatchObject({
      tokens_in: body.usage.prompt_tokens,
      tokens_out: body.usage.completion_tokens,
    });
    expect(text).toContain(`genai_tokens_in{route="hello-llm"} ${body.usage.prompt_tokens}\n`);
    expect(text).toContain(`genai_tokens_out{route="hello-llm"} ${body.usage.completion_tokens}\n`);
    expect(text).toMatch(/genai_model_load_ms_count\{model="text-generation",profile="tiny"\} 1\n/);
  });

  it('answers 404 deployed, where the figures are in CloudWatch', async () => {
    const deployed = testDependencies({
      AWS_LAMBDA_FUNCTION_NAME: 'metrics',
      CORS_ORIGIN: 'https://a.example',
    });
    const response = await metricsRoute(deployed)(httpEvent('GET', '/metrics'), lambdaContext());
    expect(response.statusCode).toBe(404);
    await deployed.runtime.dispose();
  });
});

describe('EMF', () => {
  it('writes one embedded-metric-format record per request, with the route as dimension', async () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const recorder = createMetricsRecorder({
      functionName: 'sentiment',
      metrics: new Metrics({ namespace: 'genai-endpoints', serviceName: 'genai-endpoints' }),
    });
    // Act
    recorder.record({
      route: 'sentiment',
      status: 429,
      errorType: 'budget_exhausted',
      latencyMs: 12,
      tokens: 30,
    });
    write.mockRestore();
    vi.unstubAllEnvs();
    // Assess
    const records = lines
      .flatMap((line) => line.split('\n'))
      .filter((l) => l.includes('_aws'))
      .map((l) => JSON.parse(l));
    const main = records.find((r) => r.route === 'sentiment' && r.requests === 1);
    expect(main).toMatchObject({ latency_ms: 12, tokens: 30, errors: 1, status: '429' });
    expect(main._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'genai-endpoints',
      Dimensions: [['service', 'route']],
    });
    expect(records.find((r) => r.service_requests === 1)).toMatchObject({
      service_errors: 0,
      service_latency_ms: 12,
    });
    expect(records.find((r) => r.errors_by_type !== undefined)).toMatchObject({
      error_type: 'budget_exhausted',
      errors_by_type: 1,
    });
  });
});
