import { composeClassicModels } from '../../shared/app/classic-models';
import { composeDocumentBlobs } from '../../shared/app/document-blobs';
import { composeModelRuntime } from '../../shared/app/model-runtime';
import { createImageClassifier } from '../../shared/classic/image-classifier';
import { ClassifyImageFields } from '../../shared/classic/schema';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { readImageRequest } from '../../shared/http/image-upload';
import { validate } from '../../shared/http/validate';

/** POST /classify-image: the top-k labels of an image sent as the vision routes take it. */
export const { handler, create: createHandler } = httpFunction({
  name: 'classify-image',
  access: apiKeyAccess,
  compose: (base) => {
    const runtime = composeModelRuntime(base);
    return {
      ...base,
      runtime,
      blobs: composeDocumentBlobs(base.config),
      classifier: createImageClassifier({
        runtime,
        models: composeClassicModels(base),
        limits: base.config.images,
      }),
    };
  },
  warmUp: ({ runtime }) => runtime.load('image-classification'),
  handle: async ({ event }, { config, blobs, classifier }) => {
    const { image, fields } = await readImageRequest(event, { limits: config.images, blobs });
    const options = validate(ClassifyImageFields, fields);
    return { body: await classifier.classify(image, { model: options.model, topK: options.top_k }) };
  },
});
