/**
 * Usage metrics per route and model, for every request the HTTP layer answers: requests, errors by type,
 * latency, tokens (in all, in and out), images, cost estimates, cache hits and safety verdicts; and the load
 * time of each model. Deployed they go to CloudWatch in the embedded
 * metric format (Powertools Metrics, namespace `genai-endpoints`): per request, one record by route, one
 * for the service as a whole, and one per error type; in the same
 * process they are also counted in a registry that `GET /metrics` shows in Prometheus' text format (useful
 * under `npm start`, where every function shares the process).
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SafetyVerdict } from '../safety/safety-screen';

export const METRICS_NAMESPACE = 'genai-endpoints';

export interface RequestFigures {
  readonly route: string;
  readonly status: number;
  /** The error's `type` (`validation_error`, `rate_limited`, ...) of a 4xx or 5xx. */
  readonly errorType?: string;
  readonly latencyMs: number;
  readonly tokens?: number;
  /** Input (prompt) and output (generated) tokens, where the route counts them. */
  readonly tokensIn?: number;
  readonly tokensOut?: number;
  readonly images?: number;
  /** Sampler steps (steps × images) of the images generated or queued. */
  readonly steps?: number;
  /** The request's cost estimate (shared/costs), the figure its response reports. */
  readonly costUsd?: number;
  readonly cache?: string;
  readonly safety?: readonly SafetyVerdict[];
}

export interface MetricsRecorder {
  record(figures: RequestFigures): void;
}

type Labels = Readonly<Record<string, string>>;

interface Series {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'summary';
  readonly values: Map<string, { labels: Labels; value: number; count: number }>;
}

/**
 * The process-wide registry: a global, since under serverless-offline every function is a module instance
 * of its own in one process, and `/metrics` shows them all.
 */
const REGISTRY_KEY = Symbol.for('genai-endpoints.metrics-registry');
const processGlobals = globalThis as Record<symbol, Map<string, Series> | undefined>;
processGlobals[REGISTRY_KEY] ??= new Map<string, Series>();
const registry: Map<string, Series> = processGlobals[REGISTRY_KEY];

/** Every metric, as `GET /metrics` names it (with a `genai_` prefix) and as EMF names it. */
export const METRIC_HELP = {
  requests: 'requests answered, by route and status',
  errors: 'error responses, by route and error type',
  latency_ms: 'time to answer, in milliseconds',
  tokens: 'tokens spent (counted by the route, else the reservation estimate)',
  tokens_in: 'input tokens, where the route counts them',
  tokens_out: 'output tokens, where the route counts them',
  images: 'images generated (or queued as a job)',
  steps: 'sampler steps of those images (steps × images)',
  cost_usd: 'estimated cost in US dollars (compute GB-seconds, requests, GPU seconds, tokens)',
  model_load_ms: 'time to load a model, in milliseconds, by model and profile',
  cache_hits: 'responses served from the cache',
  cache_misses: 'cacheable responses computed afresh',
  safety_verdicts: 'safety filter verdicts, by filter, direction and verdict',
} as const;
type MetricName = keyof typeof METRIC_HELP;

function add(name: MetricName, labels: Labels, value: number, type: Series['type'] = 'counter') {
  let series = registry.get(name);
  if (!series) {
    series = { name, help: METRIC_HELP[name], type, values: new Map() };
    registry.set(name, series);
  }
  const key = JSON.stringify(labels);
  const entry = series.values.get(key) ?? { labels, value: 0, count: 0 };
  entry.value += value;
  entry.count += 1;
  series.values.set(key, entry);
}

const escapeLabel = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labelText = (labels: Labels) => {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return pairs.length > 0 ? `{${pairs.join(',')}}` : '';
};

/** The registry in Prometheus' text exposition format (version 0.0.4). */
export function prometheusText(): string {
  const lines: string[] = [];
  for (const series of [...registry.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const name = `genai_${series.name}`;
    lines.push(`# HELP ${name} ${series.help}`, `# TYPE ${name} ${series.type}`);
    for (const { labels, value, count } of series.values.values()) {
      if (series.type === 'summary') {
        lines.push(`${name}_sum${labelText(labels)} ${value}`, `${name}_count${labelText(labels)} ${count}`);
      } else lines.push(`${name}${labelText(labels)} ${value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Records a model's load time (once per load, not per request): in the registry, and as one EMF record
 * with the model's key as its dimension.
 */
export function recordModelLoad(load: { key: string; id: string; profile: string; loadMs: number }): void {
  add('model_load_ms', { model: load.key, profile: load.profile }, load.loadMs, 'summary');
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_NAMESPACE });
  metrics.addDimension('model', load.key);
  metrics.addMetric('model_load_ms', MetricUnit.Milliseconds, load.loadMs);
  metrics.addMetadata('model_id', load.id);
  metrics.addMetadata('profile', load.profile);
  metrics.publishStoredMetrics();
}

/** Empties the registry (tests). */
export function resetMetrics(): void {
  registry.clear();
}

/** Records each request's figures in the process registry and, as one EMF record, in the logs. */
export function createMetricsRecorder(options: { functionName: string; metrics?: Metrics }): MetricsRecorder {
  const metrics =
    options.metrics ?? new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_NAMESPACE });
  const serviceMetrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_NAMESPACE });
  return {
    record(f) {
      const route = { route: f.route };
      add('requests', { ...route, status: String(f.status) }, 1);
      if (f.errorType) add('errors', { ...route, error_type: f.errorType }, 1);
      add('latency_ms', route, f.latencyMs, 'summary');
      if (f.tokens) add('tokens', route, f.tokens);
      if (f.tokensIn) add('tokens_in', route, f.tokensIn);
      if (f.tokensOut) add('tokens_out', route, f.tokensOut);
      if (f.images) add('images', route, f.images);
      if (f.steps) add('steps', route, f.steps);
      if (f.costUsd !== undefined) add('cost_usd', route, f.costUsd);
      if (f.cache === 'hit') add('cache_hits', route, 1);
      else if (f.cache) add('cache_misses', route, 1);
      for (const v of f.safety ?? [])
        add('safety_verdicts', { ...route, filter: v.filter, direction: v.direction, verdict: v.verdict }, 1);

      metrics.addDimension('route', f.route);
      metrics.addMetric('requests', MetricUnit.Count, 1);
      metrics.addMetric('latency_ms', MetricUnit.Milliseconds, f.latencyMs);
      if (f.status >= 400) metrics.addMetric('errors', MetricUnit.Count, 1);
      if (f.tokens) metrics.addMetric('tokens', MetricUnit.Count, f.tokens);
      if (f.tokensIn) metrics.addMetric('tokens_in', MetricUnit.Count, f.tokensIn);
      if (f.tokensOut) metrics.addMetric('tokens_out', MetricUnit.Count, f.tokensOut);
      if (f.images) metrics.addMetric('images', MetricUnit.Count, f.images);
      if (f.steps) metrics.addMetric('steps', MetricUnit.Count, f.steps);
      if (f.costUsd !== undefined) metrics.addMetric('cost_usd', MetricUnit.NoUnit, f.costUsd);
      if (f.cache === 'hit') metrics.addMetric('cache_hits', MetricUnit.Count, 1);
      for (const v of f.safety ?? [])
        if (v.verdict !== 'pass') metrics.addMetric(`safety_${v.filter}_${v.verdict}`, MetricUnit.Count, 1);
      metrics.addMetadata('status', String(f.status));
      if (f.errorType) metrics.addMetadata('error_type', f.errorType);
      metrics.publishStoredMetrics();
      // The service as a whole, without the route (the alarms' error rate and p95 latency read these)...
      serviceMetrics.addMetric('service_requests', MetricUnit.Count, 1);
      serviceMetrics.addMetric('service_errors', MetricUnit.Count, f.status >= 500 ? 1 : 0);
      serviceMetrics.addMetric('service_latency_ms', MetricUnit.Milliseconds, f.latencyMs);
      serviceMetrics.publishStoredMetrics();
      // ...and errors by type (the budget-exhaustion and throttling alarms read these).
      if (f.errorType) {
        const single = metrics.singleMetric();
        single.addDimension('error_type', f.errorType);
        single.addMetric('errors_by_type', MetricUnit.Count, 1);
      }
    },
  };
}
