import { composeJobWork } from '../../shared/app/jobs';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';
import * as z from '../../shared/schema';

/** GET /jobs/{id}/images/{index}: one generated PNG (the local image link; S3 deployments link presigned URLs). */
export const { handler, create: createHandler } = httpFunction({
  name: 'jobs-image',
  access: apiKeyAccess,
  params: z.object({
    id: z.string().check(z.minLength(1), z.maxLength(64)),
    index: z.coerce.number().check(z.int(), z.minimum(0), z.maximum(3)),
  }),
  compose: composeJobWork,
  handle: async ({ params }, { imageJobs }) => {
    const png = await imageJobs.image(params.id, params.index);
    return {
      statusCode: 200,
      headers: { 'content-type': 'image/png', 'cache-control': 'private, max-age=3600' },
      body: png.toString('base64'),
      isBase64Encoded: true,
    };
  },
});
