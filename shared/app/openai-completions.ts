/**
 * The `/v1` routes' part: OpenAI's API over the generator and the embedder, each loaded with its first use,
 * so a function that only embeds never loads the generator.
 */
import { createEmbeddingService } from '../embeddings/embedding-service';
import { createTextGenerationService } from '../generation/text-generation-service';
import { createOpenAiCompletions, type OpenAiCompletions } from '../openai/completions-service';
import type { BaseDependencies } from './base';
import { composeBucketModelRuntime } from './model-bucket';

export function composeOpenAiCompletions(base: BaseDependencies) {
  const runtime = composeBucketModelRuntime(base);
  const textGeneration = createTextGenerationService({ runtime });
  const openai: OpenAiCompletions = createOpenAiCompletions({
    runtime,
    textGeneration,
    embeddings: createEmbeddingService({ runtime }),
  });
  return { ...base, runtime, textGeneration, openai };
}
