import { type AppDependencies, defaultDependencies } from '../../shared/app/dependencies';
import { containerHandler } from '../../shared/http/container-handler';
import { createHttpHandler } from '../../shared/http/handler';
import { readImageRequest } from '../../shared/http/image-upload';
import { validate } from '../../shared/http/validate';
import { QaImageTextFields } from '../../shared/vqa/vqa-service';

/**
 * POST /qa-image-text: `{image, question}` as a multipart form (fields `image`, `question`), JSON
 * (`image_base64` or `image_s3_key`, `question`), or a raw image body with `?question=`.
 */
export function createHandler(deps: AppDependencies) {
  return createHttpHandler(
    {
      name: 'qa-image-text',
      handle: async ({ event }) => {
        const { image, fields } = await readImageRequest(event, {
          limits: deps.config.images,
          blobs: deps.blobs,
        });
        const { question, provider } = validate(QaImageTextFields, fields);
        return { body: await deps.vqa.answer(image, question, provider) };
      },
    },
    { logger: deps.logger, corsOrigin: deps.config.corsOrigin },
  );
}

export const handler = containerHandler(() => createHandler(defaultDependencies()));
