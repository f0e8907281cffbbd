/**
 * Resolves each transformers.js capability to a model for the configured profile (the rules of
 * `model-plan.ts`) and loads it once: concurrent callers share one load, and a failed load is forgotten so
 * that the next call retries.
 *
 * - `standard`: the catalog's real model, from the model root (layer), the cache directory, the model bucket,
 *   or the hub when remote loads are allowed. Never falls back.
 * - `tiny`: the generated random-weight model with the same contract, from the model folders.
 * - `auto`: standard when it can be loaded, else tiny, with a loud warning; responses report which.
 */
import path from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ModelProfile } from '../config/environment';
import { ModelUnavailableError } from '../errors';
import { redactInternals } from '../http/public-text';
import { MODEL_CATALOG, MODEL_KEYS, type ModelKey, type ModelRef } from './catalog';
import {
  findLocalModel,
  type ModelLocations,
  type ModelOrigin,
  planModel,
  type ServedProfile,
} from './model-plan';
import type { AnyPipeline, PipelineByKey, PipelineFactory } from './pipeline-factory';
import type { ModelFileStore } from './s3-model-store';

export type ModelState = 'not_loaded' | 'loading' | 'ready' | 'failed';

export interface LoadedModel<K extends ModelKey> {
  readonly key: K;
  readonly id: string;
  readonly profile: ServedProfile;
  readonly pipeline: PipelineByKey[K];
  readonly loadMs: number;
}

export interface ModelStatus {
  readonly key: ModelKey;
  readonly state: ModelState;
  /** The model this container serves, or would serve, for the key. */
  readonly id: string;
  readonly profile: ServedProfile;
  /** Before loading: where its files would come from. */
  readonly source?: ModelOrigin;
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
  /** Told of every completed load, with its time (the `model_load_ms` metric). */
  readonly onLoad?: (load: { key: ModelKey; id: string; profile: ServedProfile; loadMs: number }) => void;
}

export function createModelRuntime(options: ModelRuntimeOptions): ModelRuntime {
  const { logger } = options;
  const loads = new Map<ModelKey, Promise<LoadedModel<ModelKey>>>();
  const states = new Map<ModelKey, Omit<ModelStatus, 'id' | 'profile'> & Partial<ModelStatus>>();

  const locations: ModelLocations = {
    profile: options.profile,
    modelRoot: options.modelRoot,
    cacheDir: options.cacheDir,
    modelStore: Boolean(options.modelStore),
    allowRemote: options.allowRemote,
  };

  /** What a load would try first, judged from the files and settings alone (no load, no network). */
  function plan(key: ModelKey): Pick<ModelStatus, 'id' | 'profile' | 'source'> {
    const { id, profile, source } = planModel(key, locations);
    return { id, profile, source };
  }

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
    const local = findLocalModel(key, ref.id, locations);
    if (local) return { ref, pipeline: await loadLocal(key, ref, local) };
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
    const dir = findLocalModel(key, ref.id, locations);
    if (!dir) {
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
    options.onLoad?.({ key, id: loaded.ref.id, profile, loadMs });
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
