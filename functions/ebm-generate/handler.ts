import { composeClassicGenerators } from '../../shared/app/classic-models';
import { EbmGenerateRequest } from '../../shared/classic/schema';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';

/** POST /ebm/generate: PNG images from Langevin dynamics over the energy-based model, seeded. */
export const { handler, create: createHandler } = httpFunction({
  name: 'ebm-generate',
  access: apiKeyAccess,
  body: EbmGenerateRequest,
  compose: composeClassicGenerators,
  handle: async ({ body }, { generators }) => ({ body: await generators.ebm(body) }),
});
