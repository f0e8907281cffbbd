import { composeDocumentBlobs } from '../../shared/app/document-blobs';
import { composeBucketModelRuntime } from '../../shared/app/model-bucket';
import { createCaptioningService } from '../../shared/captioning/captioning-service';
import { CaptionOptions } from '../../shared/captioning/schema';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { cached } from '../../shared/http/cache-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { readImageRequest } from '../../shared/http/image-upload';
import { screened } from '../../shared/http/safety-declaration';
import { validate } from '../../shared/http/validate';

/** POST /caption-image: a caption for an image sent as multipart, raw bytes, base64 JSON or an S3 key. */
export const { handler, create: createHandler } = httpFunction({
  name: 'caption-image',
  access: apiKeyAccess,
  safety: screened({ input: [], output: ['caption'] }),
  cache: cached({ models: ['captioning'] }),
  compose: (base) => {
    const runtime = composeBucketModelRuntime(base);
    return {
      ...base,
      runtime,
      blobs: composeDocumentBlobs(base.config),
      captioning: createCaptioningService({ runtime, limits: base.config.images }),
    };
  },
  warmUp: ({ runtime }) => runtime.load('captioning'),
  handle: async ({ event }, { config, blobs, captioning }) => {
    const { image, fields } = await readImageRequest(event, { limits: config.images, blobs });
    const options = validate(CaptionOptions, fields);
    return { body: await captioning.caption(image, { maxNewTokens: options.max_new_tokens }) };
  },
});
