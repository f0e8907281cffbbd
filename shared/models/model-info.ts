import type { ModelKey } from './catalog';
import type { ServedProfile } from './model-plan';
import type { LoadedModel } from './model-runtime';

/** How every response names the model that served it. */
export interface ModelInfo {
  readonly id: string;
  readonly profile: ServedProfile;
}

export const modelInfo = (model: LoadedModel<ModelKey>): ModelInfo => ({
  id: model.id,
  profile: model.profile,
});

export const elapsedMs = (startedAt: number): number => Math.round((performance.now() - startedAt) * 10) / 10;
