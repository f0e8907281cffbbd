import { z } from 'zod';
import { type AppDependencies, defaultDependencies } from '../../shared/app/dependencies';
import { containerHandler } from '../../shared/http/container-handler';
import { createHttpHandler } from '../../shared/http/handler';

/** GET /jobs/{id}/images/{index}: one generated PNG (the local image link; S3 deployments link presigned URLs). */
export function createHandler(deps: AppDependencies) {
  return createHttpHandler(
    {
      name: 'jobs-image',
      params: z.object({ id: z.string().min(1).max(64), index: z.coerce.number().int().min(0).max(3) }),
      handle: async ({ params }) => {
        const png = await deps.imageJobs.image(params.id, params.index);
        return {
          statusCode: 200,
          headers: { 'content-type': 'image/png', 'cache-control': 'private, max-age=3600' },
          body: png.toString('base64'),
          isBase64Encoded: true,
        };
      },
    },
    { logger: deps.logger, corsOrigin: deps.config.corsOrigin },
  );
}

export const handler = containerHandler(() => createHandler(defaultDependencies()));
