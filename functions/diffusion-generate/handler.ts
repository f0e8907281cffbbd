import { composeJobWork } from '../../shared/app/jobs';
import { DiffusionGenerateRequest } from '../../shared/classic/schema';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { publicBaseUrl } from '../../shared/http/request-route';
import { jobView } from '../../shared/jobs/job-view';

/**
 * POST /diffusion/generate: PNG images from the 32×32 RGB DDPM UNet, sampled with DDPM or DDIM on the offset
 * cosine schedule, seeded; a run above CLASSIC_SYNC_MAX_WORK (steps × images) answers 202 with its job.
 */
export const { handler, create: createHandler } = httpFunction({
  name: 'diffusion-generate',
  access: apiKeyAccess,
  body: DiffusionGenerateRequest,
  compose: composeJobWork,
  start: ({ jobs }) => jobs.watch(),
  handle: async ({ body, event }, { blobs, classicGeneration }) => {
    const usage = { tokens: 0, images: body.count, steps: body.steps * body.count };
    const { images, job } = await classicGeneration.diffusion(body);
    if (images) return { body: images, usage };
    const view = await jobView(job, publicBaseUrl(event), blobs);
    return { statusCode: 202, body: view, location: view.status_url, usage };
  },
});
