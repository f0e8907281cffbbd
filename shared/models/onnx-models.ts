/**
 * The folder of the Stable Diffusion or BLIP-2 export a process runs, picked by the catalog's profile rules
 * (`model-plan.ts`). These graphs are never downloaded at run time: they are under the model root (the GPU
 * container's /models, or ./models locally) or the model cannot be served, and the error says how to get it.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { ModelUnavailableError } from '../errors';
import { MODEL_CATALOG, type OnnxModelKey } from './catalog';
import { findLocalModel, type ModelLocations, planModel, type ServedProfile } from './model-plan';

export interface ResolvedOnnxModel {
  readonly key: OnnxModelKey;
  readonly id: string;
  readonly profile: ServedProfile;
  readonly dir: string;
}

const TINY_FIX = 'run `npm run models:tiny`';

/**
 * The model of `key` under the profile's rules: its folder, id and profile. A model that is not there is a
 * 503 naming the fix (no directory: the message reaches clients). `auto` serving tiny says so in the log.
 */
export function resolveOnnxModel(
  key: OnnxModelKey,
  locations: ModelLocations,
  options: { retryAfterSeconds?: number; logger?: Logger } = {},
): ResolvedOnnxModel {
  const { standard, tiny } = MODEL_CATALOG[key];
  const local = { ...locations, gpuService: false };
  const plan = planModel(key, local);
  const dir = findLocalModel(key, plan.id, local);
  if (!dir) {
    const message =
      plan.profile === 'standard'
        ? `'${standard.id}' is not under MODEL_ROOT: ${standard.howToGet}`
        : locations.profile === 'auto'
          ? `neither '${standard.id}' nor the tiny '${tiny.id}' is under MODEL_ROOT: ${standard.howToGet}, or ${TINY_FIX}`
          : `tiny model '${tiny.id}' is not under MODEL_ROOT: ${TINY_FIX}`;
    throw new ModelUnavailableError(
      `Model for '${key}' is unavailable (profile ${locations.profile}): ${message}`,
      {
        ...(options.retryAfterSeconds ? { retryAfterSeconds: options.retryAfterSeconds } : {}),
      },
    );
  }
  if (locations.profile === 'auto' && plan.profile === 'tiny') {
    options.logger?.warn(
      `MODEL PROFILE auto: standard model for '${key}' is not under MODEL_ROOT, serving the TINY random-weight model`,
      { modelKey: key, standard: standard.id, howToGet: standard.howToGet },
    );
  }
  return { key, id: plan.id, profile: plan.profile, dir };
}
