/**
 * Which model serves each capability for a profile, and where its files would come from, judged from the
 * files and settings alone: no load, no network, no native runtime. The model runtime, the onnxruntime
 * models' resolver and /health all answer from here, so a profile's rules hold in one place:
 *
 * - `standard`: the catalog's real model; never falls back.
 * - `tiny`: the generated random-weight model with the same contract, from the model folders.
 * - `auto`: standard when it is on disk or can be fetched (model bucket, hub, or the GPU service runs it),
 *   else tiny.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AppConfig, ModelProfile } from '../config/environment';
import { CATALOG_KEYS, type CatalogKey, MODEL_CATALOG, markerOf } from './catalog';

export type ServedProfile = 'standard' | 'tiny';

/**
 * Where a model's files would come from: a folder of this machine, the model bucket, the hub, the GPU
 * container (which holds its own copy), or nowhere.
 */
export type ModelOrigin = 'local' | 's3' | 'hub' | 'gpu-service' | 'missing';

export interface ModelLocations {
  readonly profile: ModelProfile;
  /** Searched first: the layer's /opt/models on Lambda, ./models locally. */
  readonly modelRoot: string;
  /** Where fetched models are written and searched next (the model root when absent). */
  readonly cacheDir?: string;
  /** A model bucket (MODEL_S3_URI) holds the standard transformers.js models. */
  readonly modelStore?: boolean;
  /** The hub may be asked for the standard transformers.js models. */
  readonly allowRemote?: boolean;
  /** Diffusion and BLIP-2 run in the GPU container (GPU_SERVICE_URL) rather than in this process. */
  readonly gpuService?: boolean;
}

/** What serves a capability and from where; no directories, so that /health can show it as is. */
export interface ModelPlan {
  readonly key: CatalogKey;
  readonly id: string;
  readonly profile: ServedProfile;
  readonly source: ModelOrigin;
}

/** The folder under the model root or the cache that holds model `id` of capability `key`, if any. */
export function findLocalModel(key: CatalogKey, id: string, locations: ModelLocations): string | undefined {
  const marker = markerOf(MODEL_CATALOG[key]);
  const roots = new Set([locations.modelRoot, locations.cacheDir ?? locations.modelRoot]);
  return [...roots].map((root) => path.join(root, id)).find((dir) => existsSync(path.join(dir, marker)));
}

function standardOrigin(key: CatalogKey, id: string, locations: ModelLocations): ModelOrigin {
  const entry = MODEL_CATALOG[key];
  if (entry.runtime === 'onnxruntime') {
    if (locations.gpuService && entry.standard.source === 'gpu-container') return 'gpu-service';
    return findLocalModel(key, id, locations) ? 'local' : 'missing';
  }
  if (findLocalModel(key, id, locations)) return 'local';
  if (locations.modelStore) return 's3';
  return locations.allowRemote ? 'hub' : 'missing';
}

/** The model a load of `key` tries first under the profile's rules, and where it would come from. */
export function planModel(key: CatalogKey, locations: ModelLocations): ModelPlan {
  const { standard, tiny } = MODEL_CATALOG[key];
  const tinyPlan = (): ModelPlan => {
    const entry = MODEL_CATALOG[key];
    const viaGpu =
      entry.runtime === 'onnxruntime' && entry.standard.source === 'gpu-container' && locations.gpuService;
    const source = viaGpu ? 'gpu-service' : findLocalModel(key, tiny.id, locations) ? 'local' : 'missing';
    return { key, id: tiny.id, profile: 'tiny', source };
  };
  if (locations.profile === 'tiny') return tinyPlan();
  const source = standardOrigin(key, standard.id, locations);
  if (locations.profile === 'auto' && source === 'missing') return tinyPlan();
  return { key, id: standard.id, profile: 'standard', source };
}

/** The model locations a function's configuration describes. */
export const modelLocations = (config: AppConfig): ModelLocations => ({
  profile: config.modelProfile,
  modelRoot: config.modelRoot,
  cacheDir: config.modelCacheDir,
  modelStore: Boolean(config.modelS3Uri),
  allowRemote: config.allowRemoteModels,
  gpuService: Boolean(config.jobs.gpuServiceUrl),
});

/**
 * Every model of the catalog (transformers.js pipelines, Stable Diffusion, BLIP-2) as this configuration
 * would serve it. Cheap enough for /health, whose function loads no model and no native runtime.
 */
export function describeModels(config: AppConfig): ModelPlan[] {
  const locations = modelLocations(config);
  return CATALOG_KEYS.map((key) => planModel(key, locations));
}
