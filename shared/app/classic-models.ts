/**
 * The classic models on onnxruntime (the CIFAR-10 CNN, GAN, DDPM and EBM graphs), loaded in the function's
 * own process from the model root; and the generators over them.
 */
import { type ClassicGenerators, createClassicGenerators } from '../classic/generators';
import { type ClassicModels, createClassicModels } from '../models/classic-models';
import { modelLocations } from '../models/model-plan';
import type { BaseDependencies } from './base';

export function composeClassicModels({ config, logger }: BaseDependencies): ClassicModels {
  return createClassicModels({
    locations: modelLocations(config),
    retryAfterSeconds: config.retryAfterSeconds,
    logger,
  });
}

export function composeClassicGenerators(base: BaseDependencies): BaseDependencies & {
  generators: ClassicGenerators;
} {
  return { ...base, generators: createClassicGenerators({ models: composeClassicModels(base) }) };
}
