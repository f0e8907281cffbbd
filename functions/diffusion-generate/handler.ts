import { composeClassicGenerators } from '../../shared/app/classic-models';
import { DiffusionGenerateRequest } from '../../shared/classic/schema';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';

/** POST /diffusion/generate: PNG images from the 32×32 RGB DDPM UNet, sampled with DDPM or DDIM on the offset cosine schedule, seeded. */
export const { handler, create: createHandler } = httpFunction({
  name: 'diffusion-generate',
  access: apiKeyAccess,
  body: DiffusionGenerateRequest,
  compose: composeClassicGenerators,
  handle: async ({ body }, { generators }) => ({ body: await generators.diffusion(body) }),
});
