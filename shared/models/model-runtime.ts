/**
 * Resolves each capability to a model for the configured profile and loads it once: concurrent callers share
 * one load, and a failed load is forgotten so that the next call retries.
 *
 * - `standard`: the catalog's real model, from the model root (layer), the cache directory, or the hub when
 *   remote loads are allowed. Never falls back.
 * - `tiny`: the generated random-weight model with the same contract, from the model root.
 * - `auto`: standard when it can be loaded, else tiny, with a loud warning; responses report which.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { AppConfig, ModelProfile } from '../config/environment';
import { ModelUnavailableError } from '../errors';
import { redactInternals } from '../http/public-text';
import { MODEL_CATALOG, MODEL_KEYS, type ModelKey, type ModelRef } from './catalog';
import type { AnyPipeline, PipelineByKey, PipelineFactory } from './pipeline-factory';
import type { ModelFileStore } from './s3-model-store';

export type ServedProfile = 'standard' | 'tiny';
export type ModelState = 'not_loaded' | 'loading' | 'ready' | 'failed';

export interface LoadedModel<K extends ModelKey> {
  readonly key: K;
  readonly id: string;
  readonly profile: ServedProfile;
  readonly pipeline: PipelineByKey[K];
  readonly loadMs: number;
}

/** Where a model that is not loaded yet would come from: a local folder, the S3 store, the hub, or nowhere. */
export type ModelSourceState = 'local' | 's3' | 'hub' | 'missing';

export interface ModelStatus {
  readonly key: ModelKey;
  readonly state: ModelState;
  /** The model this container serves, or would serve, for the key. */
  readonly id: string;
  readonly profile: ServedProfile;
  /** Before loading: where its files would come from. */
  readonly source?: ModelSourceState;
  readonly loadMs?: number;
  readonly error?: string;
}

export interface ModelRuntime {
  readonly profile: ModelProfile;
  load<K extends ModelKey>(key: K): Promise<LoadedModel<K>>;
  status(): ModelStatus[];
  /** Releases every loaded session and forgets all state. */
  dispose(): Promise<void>;
}

export interface ModelRuntimeOptions {
  readonly profile: ModelProfile;
  readonly modelRoot: string;
  readonly cacheDir: string;
  readonly allowRemote: boolean;
  readonly retryAfterSeconds: number;
  readonly createPipeline: PipelineFactory;
  /** Where standard models missing locally are copied from (S3 on Lambda), before the hub is tried. */
  readonly modelStore?: ModelFileStore;
  readonly logger: Logger;
}

const hasModelFolder = (dir: string) => existsSync(path.join(dir, 'config.json'));

export interface ModelSourceSettings {
  readonly profile: ModelProfile;
  readonly modelRoot: string;
  readonly cacheDir: string;
  readonly allowRemote: boolean;
  /** Standard models missing locally would be copied from the S3 model store. */
  readonly hasModelStore: boolean;
}

/**
 * What a load of `key` would try first, judged from the files and settings alone (no load, no network):
 * the runtime reports it before loading, and `/health` reports it without any runtime.
 */
export function planModelSource(
  key: ModelKey,
  settings: ModelSourceSettings,
): Pick<ModelStatus, 'id' | 'profile' | 'source'> {
  const localDir = (id: string) =>
    [settings.modelRoot, settings.cacheDir].map((root) => path.join(root, id)).find(hasModelFolder);
  const { standard, tiny } = MODEL_CATALOG[key];
  const tinyPlan = {
    id: tiny.id,
    profile: 'tiny' as const,
    source: localDir(tiny.id) ? ('local' as const) : ('missing' as const),
  };
  if (settings.profile === 'tiny') return tinyPlan;
  const standardSource: ModelSourceState = localDir(standard.id)
    ? 'local'
    : settings.hasModelStore
      ? 's3'
      : settings.allowRemote
        ? 'hub'
        : 'missing';
  if (settings.profile === 'auto' && standardSource === 'missing') return tinyPlan;
  return { id: standard.id, profile: 'standard', source: standardSource };
}

/** Every catalog model with where it would be loaded from under `config`, before any load. */
export function describeModels(config: AppConfig): ModelStatus[] {
  const settings: ModelSourceSettings = {
    profile: config.modelProfile,
    modelRoot: config.modelRoot,
    cacheDir: config.modelCacheDir,
    allowRemote: config.allowRemoteModels,
    hasModelStore: config.modelS3Uri !== undefined,
  };
  return MODEL_KEYS.map((key) => ({ key, state: 'not_loaded' as const, ...planModelSource(key, settings) }));
}

export function createModelRuntime(options: ModelRuntimeOptions): ModelRuntime {
  const { logger } = options;
  const loads = new Map<ModelKey, Promise<LoadedModel<ModelKey>>>();
  const states = new Map<ModelKey, Omit<ModelStatus, 'id' | 'profile'> & Partial<ModelStatus>>();

  const plan = (key: ModelKey) =>
    planModelSource(key, { ...options, hasModelStore: options.modelStore !== undefined });

  interface Resolved {
    readonly ref: ModelRef;
    readonly pipeline: AnyPipeline;
  }

  async function loadLocal(key: ModelKey, ref: ModelRef, dir: string) {
    const task = MODEL_CATALOG[key].task;
    return options.createPipeline({
      task,
      location: dir,
      revision: ref.revision,
      dtype: ref.dtype,
      remote: false,
    });
  }

  async function loadStandard(key: ModelKey): Promise<Resolved> {
    const ref = MODEL_CATALOG[key].standard;
    for (const root of new Set([options.modelRoot, options.cacheDir])) {
      const dir = path.join(root, ref.id);
      if (hasModelFolder(dir)) return { ref, pipeline: await loadLocal(key, ref, dir) };
    }
    if (options.modelStore) {
      const dir = path.join(options.cacheDir, ref.id);
      const started = performance.now();
      const files = await options.modelStore.download(ref.id, dir);
      logger.info('model copied to the cache', {
        modelId: ref.id,
        from: options.modelStore.describe(ref.id),
        files,
        copyMs: Math.round(performance.now() - started),
      });
      return { ref, pipeline: await loadLocal(key, ref, dir) };
    }
    if (!options.allowRemote) {
      throw new Error(
        `'${ref.id}' is not under MODEL_ROOT (${options.modelRoot}) or MODEL_CACHE_DIR (${options.cacheDir}), ` +
          'no MODEL_S3_URI is set and remote downloads are disabled: run `npm run models:fetch` on a machine ' +
          'with internet access (and upload large models to S3), or set MODEL_ALLOW_REMOTE=true',
      );
    }
    const task = MODEL_CATALOG[key].task;
    const pipeline = await options.createPipeline({
      task,
      location: ref.id,
      revision: ref.revision,
      dtype: ref.dtype,
      cacheDir: options.cacheDir,
      remote: true,
    });
    return { ref, pipeline };
  }

  async function loadTiny(key: ModelKey): Promise<Resolved> {
    const ref = MODEL_CATALOG[key].tiny;
    const dir = path.join(options.modelRoot, ref.id);
    if (!hasModelFolder(dir)) {
      throw new Error(
        `tiny model '${ref.id}' is not under MODEL_ROOT (${options.modelRoot}): run \`npm run models:tiny\``,
      );
    }
    return { ref, pipeline: await loadLocal(key, ref, dir) };
  }

  async function resolveAndLoad(key: ModelKey): Promise<LoadedModel<ModelKey>> {
    const started = performance.now();
    let profile: ServedProfile = options.profile === 'tiny' ? 'tiny' : 'standard';
    let loaded: Resolved;
    if (options.profile === 'auto') {
      try {
        loaded = await loadStandard(key);
      } catch (error) {
        logger.warn(
          `MODEL PROFILE auto: standard model for '${key}' unavailable, serving the TINY random-weight model`,
          {
            modelKey: key,
            reason: (error as Error).message,
          },
        );
        profile = 'tiny';
        loaded = await loadTiny(key);
      }
    } else {
      loaded = profile === 'tiny' ? await loadTiny(key) : await loadStandard(key);
    }
    const loadMs = Math.round(performance.now() - started);
    logger.info('model loaded', { modelKey: key, modelId: loaded.ref.id, profile, loadMs });
    return { key, id: loaded.ref.id, profile, pipeline: loaded.pipeline, loadMs } as LoadedModel<ModelKey>;
  }

  function load<K extends ModelKey>(key: K): Promise<LoadedModel<K>> {
    let pending = loads.get(key);
    if (!pending) {
      states.set(key, { key, state: 'loading' });
      pending = resolveAndLoad(key).then(
        (model) => {
          states.set(key, {
            key,
            state: 'ready',
            id: model.id,
            profile: model.profile,
            loadMs: model.loadMs,
          });
          return model;
        },
        (error: unknown) => {
          loads.delete(key);
          // Clients (the 503 and /health) learn why without this machine's directories; the log has them.
          const reason = redactInternals(error instanceof Error ? error.message : String(error));
          states.set(key, { key, state: 'failed', error: reason });
          logger.error('model load failed', { modelKey: key, error: error as Error });
          throw new ModelUnavailableError(
            `Model for '${key}' is unavailable (profile ${options.profile}): ${reason}`,
            {
              retryAfterSeconds: options.retryAfterSeconds,
              cause: error,
            },
          );
        },
      );
      loads.set(key, pending);
    }
    return pending as Promise<LoadedModel<K>>;
  }

  return {
    profile: options.profile,
    load,
    status: () =>
      MODEL_KEYS.map((key): ModelStatus => {
        const state = states.get(key);
        if (state?.id && state.profile) return { ...state, id: state.id, profile: state.profile };
        return { ...plan(key), ...state, key, state: state?.state ?? 'not_loaded' };
      }),
    async dispose() {
      const pending = [...loads.values()];
      loads.clear();
      states.clear();
      const settled = await Promise.allSettled(pending);
      await Promise.all(
        settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value.pipeline.dispose()] : [])),
      );
    },
  };
}
