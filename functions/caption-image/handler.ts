import { z } from 'zod';
import { type AppDependencies, defaultDependencies, warmUp } from '../../shared/app/dependencies';
import { containerHandler } from '../../shared/http/container-handler';
import { createHttpHandler } from '../../shared/http/handler';
import { readImageRequest } from '../../shared/http/image-upload';
import { validate } from '../../shared/http/validate';

const CaptionOptions = z.object({
  max_new_tokens: z.coerce.number().int().min(1).max(64).default(20),
});

/** POST /caption-image: a caption for an image sent as multipart, raw bytes, base64 JSON or an S3 key. */
export function createHandler(deps: AppDependencies) {
  return createHttpHandler(
    {
      name: 'caption-image',
      handle: async ({ event }) => {
        const { image, fields } = await readImageRequest(event, {
          limits: deps.config.images,
          blobs: deps.blobs,
        });
        const options = validate(CaptionOptions, fields);
        return { body: await deps.captioning.caption(image, { maxNewTokens: options.max_new_tokens }) };
      },
    },
    { logger: deps.logger, corsOrigin: deps.config.corsOrigin },
  );
}

export const handler = containerHandler(() => {
  const deps = defaultDependencies();
  warmUp(deps, 'captioning');
  return createHandler(deps);
});
