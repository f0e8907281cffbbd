import { type AppDependencies, defaultDependencies, warmUp } from '../../shared/app/dependencies';
import { GenerateTextRequest } from '../../shared/generation/schema';
import { containerHandler } from '../../shared/http/container-handler';
import { createHttpHandler } from '../../shared/http/handler';

/** POST /hello-llm: text generation from a prompt. */
export function createHandler(deps: AppDependencies) {
  return createHttpHandler(
    {
      name: 'hello-llm',
      body: GenerateTextRequest,
      handle: async ({ body }) => ({ body: await deps.textGeneration.generate(body) }),
    },
    { logger: deps.logger, corsOrigin: deps.config.corsOrigin, maxBodyBytes: deps.config.maxBodyBytes },
  );
}

export const handler = containerHandler(() => {
  const deps = defaultDependencies();
  warmUp(deps, 'text-generation');
  return createHandler(deps);
});
