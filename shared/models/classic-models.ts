/**
 * The small classic models that run on onnxruntime in the function's own process (the CIFAR-10 CNN, the
 * GAN generator, the DDPM UNet, the EBM's energy and gradient graphs): each a folder with a `config.json` and
 * its graphs, resolved by the profile's rules (`onnx-models.ts`), opened once per container. Concurrent
 * first requests share one load, and a failed load is forgotten so that the next request retries.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import type * as Ort from 'onnxruntime-node';
import { ModelUnavailableError } from '../errors';
import type * as z from '../schema';
import type { OnnxModelKey } from './catalog';
import type { ModelInfo } from './model-info';
import type { ModelLocations } from './model-plan';
import { resolveOnnxModel } from './onnx-models';
import { createOnnxSession, type OnnxRuntime, onnxRuntime } from './onnx-sessions';

export type ClassicModelKey = Extract<OnnxModelKey, 'cifar-cnn' | 'gan' | 'ddpm' | 'ebm'>;

export interface ClassicModel<C> {
  readonly info: ModelInfo;
  readonly config: C;
  /** The sessions of the model's graphs, by file name (`unet.onnx`). */
  readonly sessions: Readonly<Record<string, Ort.InferenceSession>>;
  /** onnxruntime-node, for its Tensor class. */
  readonly ort: OnnxRuntime;
}

export interface ClassicModels {
  load<C>(
    key: ClassicModelKey,
    spec: { config: z.ZodMiniType<C>; graphs: readonly string[] },
  ): Promise<ClassicModel<C>>;
}

export function createClassicModels(deps: {
  locations: ModelLocations;
  retryAfterSeconds?: number;
  logger?: Logger;
}): ClassicModels {
  const loads = new Map<ClassicModelKey, Promise<ClassicModel<unknown>>>();

  async function open<C>(
    key: ClassicModelKey,
    spec: { config: z.ZodMiniType<C>; graphs: readonly string[] },
  ): Promise<ClassicModel<C>> {
    const model = resolveOnnxModel(key, deps.locations, {
      ...(deps.retryAfterSeconds ? { retryAfterSeconds: deps.retryAfterSeconds } : {}),
      ...(deps.logger ? { logger: deps.logger } : {}),
    });
    try {
      const config = spec.config.parse(
        JSON.parse(await readFile(path.join(model.dir, 'config.json'), 'utf8')),
      );
      const sessions = await Promise.all(
        spec.graphs.map(async (file) => {
          const { session } = await createOnnxSession(path.join(model.dir, file), {
            executionProviders: ['cpu'],
          });
          return [file, session] as const;
        }),
      );
      return {
        info: { id: model.id, profile: model.profile },
        config,
        sessions: Object.fromEntries(sessions),
        ort: await onnxRuntime(),
      };
    } catch (error) {
      deps.logger?.error('model load failed', { modelKey: key, error: error as Error });
      throw new ModelUnavailableError(
        `Model for '${key}' is unavailable: its folder '${model.id}' does not hold the graphs and config.json the route loads (see docs/models.md)`,
        { ...(deps.retryAfterSeconds ? { retryAfterSeconds: deps.retryAfterSeconds } : {}), cause: error },
      );
    }
  }

  return {
    load<C>(key: ClassicModelKey, spec: { config: z.ZodMiniType<C>; graphs: readonly string[] }) {
      let pending = loads.get(key);
      if (!pending) {
        pending = open(key, spec);
        loads.set(key, pending);
        pending.catch(() => loads.delete(key));
      }
      return pending as Promise<ClassicModel<C>>;
    },
  };
}
