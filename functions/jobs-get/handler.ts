import { z } from 'zod';
import { type AppDependencies, defaultDependencies } from '../../shared/app/dependencies';
import { containerHandler } from '../../shared/http/container-handler';
import { createHttpHandler } from '../../shared/http/handler';
import { publicBaseUrl } from '../../shared/http/request-route';
import { jobView } from '../../shared/jobs/job-view';

/** GET /jobs/{id}: status, progress (step i of n), image links or the error. */
export function createHandler(deps: AppDependencies) {
  return createHttpHandler(
    {
      name: 'jobs-get',
      params: z.object({ id: z.string().min(1).max(64) }),
      handle: async ({ params, event }) => ({
        body: await jobView(await deps.imageJobs.status(params.id), publicBaseUrl(event), deps.blobs),
      }),
    },
    { logger: deps.logger, corsOrigin: deps.config.corsOrigin },
  );
}

export const handler = containerHandler(() => {
  const deps = defaultDependencies();
  deps.imageJobs.watch();
  return createHandler(deps);
});
