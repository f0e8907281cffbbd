import { composeJobWork } from '../../shared/app/jobs';
import { GenerateImageRequest } from '../../shared/diffusion/schema';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { publicBaseUrl } from '../../shared/http/request-route';
import { screened } from '../../shared/http/safety-declaration';
import { imageJobView } from '../../shared/jobs/job-view';

/** POST /generate-image: 202 with the job to poll, or 200 with the images in synchronous mode. */
export const { handler, create: createHandler } = httpFunction({
  name: 'generate-image',
  access: apiKeyAccess,
  safety: screened({ input: ['prompt', 'negative_prompt'], output: [] }),
  body: GenerateImageRequest,
  reserve: (body) => ({ tokens: 0, images: body.num_images }),
  compose: composeJobWork,
  start: ({ imageJobs }) => imageJobs.watch(),
  handle: async ({ body, event }, { blobs, imageJobs }) => {
    const { job, ranSynchronously } = await imageJobs.submit(body);
    const view = await imageJobView(job, publicBaseUrl(event), blobs);
    return {
      statusCode: ranSynchronously ? 200 : 202,
      body: view,
      location: view.status_url,
      usage: { tokens: 0, images: body.num_images, steps: body.steps * body.num_images },
    };
  },
});
