import { composeClassicModels } from '../../shared/app/classic-models';
import { composeDocumentBlobs } from '../../shared/app/document-blobs';
import { composeModelRuntime } from '../../shared/app/model-runtime';
import { CLASSIFIER_MODELS, createImageClassifier } from '../../shared/classic/image-classifier';
import { httpFunction } from '../../shared/http/http-function';
import { readImageRequest } from '../../shared/http/image-upload';
import { validate } from '../../shared/http/validate';
import * as z from '../../shared/schema';

const ClassifyOptions = z.object({
  top_k: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(20)), 5),
  /** `imagenet`: the ViT ImageNet classifier; `cifar10`: the CIFAR-10 CNN exported into the model root. */
  model: z._default(z.enum(CLASSIFIER_MODELS), 'imagenet'),
});

/** POST /classify-image: the top-k labels of an image sent as the vision routes take it. */
export const { handler, create: createHandler } = httpFunction({
  name: 'classify-image',
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
    const options = validate(ClassifyOptions, fields);
    return { body: await classifier.classify(image, { model: options.model, topK: options.top_k }) };
  },
});
