import { composeImageWork } from '../../shared/app/image-jobs';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { publicBaseUrl } from '../../shared/http/request-route';
import { jobView } from '../../shared/jobs/job-view';
import * as z from '../../shared/schema';

/** GET /jobs/{id}: status, progress (step i of n), image links or the error. */
export const { handler, create: createHandler } = httpFunction({
  name: 'jobs-get',
  access: apiKeyAccess,
  params: z.object({ id: z.string().check(z.minLength(1), z.maxLength(64)) }),
  compose: composeImageWork,
  start: ({ imageJobs }) => imageJobs.watch(),
  handle: async ({ params, event }, { blobs, imageJobs }) => ({
    body: await jobView(await imageJobs.status(params.id), publicBaseUrl(event), blobs),
  }),
});
