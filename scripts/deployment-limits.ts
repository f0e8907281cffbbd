/**
 * What each function of serverless.yml carries and where its models come from, checked against Lambda's
 * limits: code plus layers unzipped (250 MB), layers per function (5), the models it copies from the model
 * bucket against its ephemeral storage (/tmp, 512 MB unless configured, at most 10 GB), and the GPU image
 * (10 GB). `npm run package` runs it on the real artifacts; the tests run it on fakes.
 */
import { MODEL_CATALOG, type ModelKey } from '../shared/models/catalog';
import { refName, type ServerlessConfig } from './serverless-config';

export interface DeploymentLimits {
  readonly unzippedBytes: number;
  readonly layersPerFunction: number;
  readonly maxEphemeralMb: number;
  readonly imageBytes: number;
  /** /tmp kept free beside the models (the FAISS index, documents, transformers.js's own files). */
  readonly tmpHeadroomBytes: number;
}

export const LAMBDA_LIMITS: DeploymentLimits = {
  unzippedBytes: 250 * 1024 * 1024,
  layersPerFunction: 5,
  maxEphemeralMb: 10_240,
  imageBytes: 10 * 1024 ** 3,
  tmpHeadroomBytes: 128 * 1024 * 1024,
};

/** Lambda's /tmp when a function configures none. */
export const DEFAULT_EPHEMERAL_MB = 512;

/** The catalog models each function loads (the composition of functions/<route>/handler.ts). */
export const FUNCTION_MODELS: Readonly<Record<string, readonly ModelKey[]>> = {
  helloLlm: ['text-generation'],
  summarize: ['summarization'],
  sentiment: ['sentiment'],
  embed: ['embeddings'],
  captionImage: ['captioning'],
  ingestDocument: ['embeddings'],
  deleteDocument: ['embeddings'],
  ragQuery: ['embeddings', 'text-generation'],
  ragFaissQuery: ['embeddings', 'text-generation'],
  documentsS3: ['embeddings'],
  chat: ['embeddings'],
  researcherSummarize: ['summarization'],
  researcherSentiment: ['sentiment'],
  // Summary jobs, and research jobs' summaries and sentiment.
  imageJobsWorker: ['summarization', 'sentiment'],
};

/** The stack's layer that carries model `key` (`ModelsTextGenerationLambdaLayer`). */
export const modelLayerName = (key: ModelKey) =>
  `Models${key.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase())}LambdaLayer`;

export interface FunctionFootprint {
  readonly name: string;
  readonly codeBytes: number;
  readonly layers: readonly { readonly name: string; readonly bytes: number }[];
  /** Models copied from the bucket into /tmp at cold start. */
  readonly bucketModels: readonly { readonly key: ModelKey; readonly bytes: number }[];
  /** Models the function loads that neither a layer nor the bucket gives it. */
  readonly unreachable: readonly ModelKey[];
  readonly ephemeralMb: number;
}

export function functionFootprints(
  config: ServerlessConfig,
  sizes: {
    code: (name: string) => number;
    layer: (name: string) => number;
    model: (key: ModelKey) => number;
  },
): FunctionFootprint[] {
  return Object.entries(config.functions).map(([name, fn]) => {
    const layerNames = (fn.layers ?? config.provider.layers ?? []).map(refName);
    const readsBucket = Boolean(fn.environment?.MODEL_S3_URI);
    const models = FUNCTION_MODELS[name] ?? [];
    const fromLayers = new Set(models.filter((key) => layerNames.includes(modelLayerName(key))));
    const rest = models.filter((key) => !fromLayers.has(key));
    return {
      name,
      codeBytes: sizes.code(name),
      layers: layerNames.map((layer) => ({ name: layer, bytes: sizes.layer(layer) })),
      bucketModels: readsBucket ? rest.map((key) => ({ key, bytes: sizes.model(key) })) : [],
      unreachable: readsBucket ? [] : rest,
      ephemeralMb: fn.ephemeralStorageSize ?? DEFAULT_EPHEMERAL_MB,
    };
  });
}

export const unzippedBytes = (f: FunctionFootprint) =>
  f.codeBytes + f.layers.reduce((sum, layer) => sum + layer.bytes, 0);
export const tmpBytes = (f: FunctionFootprint) => f.bucketModels.reduce((sum, m) => sum + m.bytes, 0);

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Every limit a function breaks, in words; empty when it fits. */
export function functionViolations(f: FunctionFootprint, limits: DeploymentLimits = LAMBDA_LIMITS): string[] {
  const problems: string[] = [];
  const unzipped = unzippedBytes(f);
  if (unzipped > limits.unzippedBytes)
    problems.push(`${f.name}: code + layers ${mb(unzipped)} unzipped, over ${mb(limits.unzippedBytes)}`);
  if (f.layers.length > limits.layersPerFunction)
    problems.push(`${f.name}: ${f.layers.length} layers, over ${limits.layersPerFunction}`);
  if (f.ephemeralMb > limits.maxEphemeralMb)
    problems.push(`${f.name}: ephemeral storage ${f.ephemeralMb} MB, over ${limits.maxEphemeralMb} MB`);
  const tmp = tmpBytes(f) + (f.bucketModels.length > 0 ? limits.tmpHeadroomBytes : 0);
  if (tmp > f.ephemeralMb * 1024 * 1024)
    problems.push(
      `${f.name}: models from the bucket (${f.bucketModels.map((m) => m.key).join(', ')}) need ${mb(tmp)} of /tmp with headroom, over its ${f.ephemeralMb} MB`,
    );
  for (const key of f.unreachable)
    problems.push(
      `${f.name}: loads ${MODEL_CATALOG[key].standard.id} but has neither its layer nor MODEL_S3_URI`,
    );
  return problems;
}

export function imageViolations(
  name: string,
  bytes: number,
  limits: DeploymentLimits = LAMBDA_LIMITS,
): string[] {
  return bytes > limits.imageBytes
    ? [`${name}: ${mb(bytes)}, over the ${mb(limits.imageBytes)} image limit`]
    : [];
}
