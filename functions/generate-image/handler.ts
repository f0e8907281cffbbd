import { type AppDependencies, defaultDependencies } from '../../shared/app/dependencies';
import { GenerateImageRequest } from '../../shared/diffusion/schema';
import { containerHandler } from '../../shared/http/container-handler';
import { createHttpHandler } from '../../shared/http/handler';
import { publicBaseUrl } from '../../shared/http/request-route';
import { jsonResponse } from '../../shared/http/response';
import { jobView } from '../../shared/jobs/job-view';

/** POST /generate-image: 202 with the job to poll, or 200 with the images in synchronous mode. */
export function createHandler(deps: AppDependencies) {
  return createHttpHandler(
    {
      name: 'generate-image',
      body: GenerateImageRequest,
      handle: async ({ body, event }) => {
        const { job, ranSynchronously } = await deps.imageJobs.submit(body);
        const view = await jobView(job, publicBaseUrl(event), deps.blobs);
        return jsonResponse(ranSynchronously ? 200 : 202, view, { location: view.status_url });
      },
    },
    { logger: deps.logger, corsOrigin: deps.config.corsOrigin, maxBodyBytes: deps.config.maxBodyBytes },
  );
}

export const handler = containerHandler(() => {
  const deps = defaultDependencies();
  deps.imageJobs.watch();
  return createHandler(deps);
});
