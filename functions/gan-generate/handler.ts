import { composeClassicGenerators } from '../../shared/app/classic-models';
import { GanGenerateRequest } from '../../shared/classic/schema';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';

/** POST /gan/generate: PNG images from a DCGAN-style generator (latent 100, 28×28 grayscale), seeded. */
export const { handler, create: createHandler } = httpFunction({
  name: 'gan-generate',
  access: apiKeyAccess,
  body: GanGenerateRequest,
  compose: composeClassicGenerators,
  handle: async ({ body }, { generators }) => ({
    body: await generators.gan(body),
    usage: { tokens: 0, images: body.count },
  }),
});
