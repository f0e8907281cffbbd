import { composeJobWork } from '../../shared/app/jobs';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { publicBaseUrl } from '../../shared/http/request-route';
import { jobView } from '../../shared/jobs/job-view';
import * as z from '../../shared/schema';

/** GET /jobs/{id}: status, progress (step i of n), and the result of any kind of job, or its error. */
export const { handler, create: createHandler } = httpFunction({
  name: 'jobs-get',
  access: apiKeyAccess,
  params: z.object({ id: z.string().check(z.minLength(1), z.maxLength(64)) }),
  compose: composeJobWork,
  start: ({ jobs }) => jobs.watch(),
  handle: async ({ params, event }, { blobs, jobs }) => ({
    body: await jobView(await jobs.status(params.id), publicBaseUrl(event), blobs),
  }),
});
