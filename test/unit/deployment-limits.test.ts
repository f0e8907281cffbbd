/**
 * The deployment checks `npm run package` applies: each function's code and layers against the unzipped
 * limit, the models it copies from the bucket against its /tmp, and an image against its limit, on
 * serverless.yml as it is with made-up sizes.
 */
import { describe, expect, it } from 'vitest';
import {
  functionFootprints,
  functionViolations,
  imageViolations,
  LAMBDA_LIMITS,
} from '../../scripts/deployment-limits';
import { readServerlessConfig } from '../../scripts/serverless-config';

const MiB = 1024 * 1024;
const config = readServerlessConfig();
/** Sizes of the true-size models (docs/performance.md) and the runtime layers. */
const sizes = {
  code: () => 2 * MiB,
  layer: (name: string) =>
    ({ ModelRuntimeLambdaLayer: 68 * MiB, FaissLambdaLayer: 43 * MiB, ModelsSentimentLambdaLayer: 65 * MiB })[
      name
    ] ?? 23 * MiB,
  model: (key: string) =>
    ({ 'text-generation': 117 * MiB, summarization: 489 * MiB, captioning: 269 * MiB })[key] ?? 0,
};

describe('deployment limits', () => {
  it('pass for every function of serverless.yml at the true sizes', () => {
    const footprints = functionFootprints(config, sizes);
    expect(footprints.flatMap((f) => functionViolations(f))).toEqual([]);
    const summarize = footprints.find((f) => f.name === 'summarize');
    expect(summarize?.bucketModels).toEqual([{ key: 'summarization', bytes: 489 * MiB }]);
  });

  it('fail a function whose code and layers pass a (made-up, small) unzipped limit', () => {
    const footprints = functionFootprints(config, sizes);
    const limits = { ...LAMBDA_LIMITS, unzippedBytes: 100 * MiB };
    const problems = footprints.flatMap((f) => functionViolations(f, limits));
    expect(problems).toContainEqual(
      expect.stringMatching(/^ingestDocument: code \+ layers 136\.0 MB unzipped, over 100\.0 MB/),
    );
    expect(problems.some((p) => p.startsWith('health'))).toBe(false);
  });

  it('fail a function whose /tmp cannot hold the models it copies from the bucket', () => {
    const bigger = {
      ...sizes,
      model: (key: string) => (key === 'summarization' ? 2000 * MiB : sizes.model(key)),
    };
    const problems = functionFootprints(config, bigger).flatMap((f) => functionViolations(f));
    expect(problems).toContainEqual(
      expect.stringMatching(/^summarize: models from the bucket \(summarization\)/),
    );
  });

  it('fail a function that loads a model it can reach neither from a layer nor from the bucket', () => {
    const { MODEL_S3_URI: _, ...environment } = config.functions.helloLlm?.environment ?? {};
    const edited = {
      ...config,
      functions: {
        ...config.functions,
        helloLlm: { ...config.functions.helloLlm, handler: 'h', environment },
      },
    };
    const problems = functionFootprints(edited, sizes).flatMap((f) => functionViolations(f));
    expect(problems).toEqual([expect.stringMatching(/^helloLlm: loads Xenova\/distilgpt2 but has neither/)]);
  });

  it('fail an image over its limit', () => {
    expect(imageViolations('GPU image', 4 * 1024 * MiB)).toEqual([]);
    expect(
      imageViolations('GPU image', 4 * 1024 * MiB, { ...LAMBDA_LIMITS, imageBytes: 1024 * MiB }),
    ).toHaveLength(1);
  });
});
