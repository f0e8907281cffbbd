import { type AppDependencies, defaultDependencies } from '../../shared/app/dependencies';
import { containerHandler } from '../../shared/http/container-handler';
import { createHttpHandler } from '../../shared/http/handler';
import { validate } from '../../shared/http/validate';
import { readImageInput } from '../../shared/vision/image-input';
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
        const image = await readImageInput(event, { limits: deps.config.images, blobs: deps.blobs });
        const fields = validate(QaImageTextFields, { ...event.queryStringParameters, ...image.fields });
        return { body: await deps.vqa.answer(image, fields.question, fields.provider) };
      },
    },
    { logger: deps.logger, corsOrigin: deps.config.corsOrigin },
  );
}

export const handler = containerHandler(() => createHandler(defaultDependencies()));
