/**
 * The Stable Diffusion generator: the GPU container when one is configured, else Stable Diffusion in this
 * process, whose code (and onnxruntime) is loaded only when a job first runs here: the job-status function
 * can run a recovered job locally without paying for it at cold start.
 */

import { lazySecret } from '../config/secrets';
import {
  createLocalImageGenerator,
  createRemoteImageGenerator,
  type ImageGenerator,
} from '../diffusion/image-generator';
import { modelLocations } from '../models/model-plan';
import type { BaseDependencies } from './base';

export function composeImageGenerator({ config, logger }: BaseDependencies): ImageGenerator {
  if (config.jobs.gpuServiceUrl) {
    return createRemoteImageGenerator({
      url: config.jobs.gpuServiceUrl,
      timeoutMs: config.jobs.gpuTimeoutMs,
      ...(config.jobs.gpuServiceToken ? { credential: lazySecret(config.jobs.gpuServiceToken) } : {}),
    });
  }
  return createLocalImageGenerator({
    locations: modelLocations(config),
    logger,
    retryAfterSeconds: config.retryAfterSeconds,
  });
}
