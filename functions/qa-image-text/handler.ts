import { composeDocumentBlobs } from '../../shared/app/document-blobs';
import { composeVqa } from '../../shared/app/vqa';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { readImageRequest } from '../../shared/http/image-upload';
import { screened } from '../../shared/http/safety-declaration';
import { validate } from '../../shared/http/validate';
import { QaImageTextFields } from '../../shared/vqa/vqa-service';

/**
 * POST /qa-image-text: `{image, question}` as a multipart form (fields `image`, `question`), JSON
 * (`image_base64` or `image_s3_key`, `question`), or a raw image body with `?question=`.
 */
export const { handler, create: createHandler } = httpFunction({
  name: 'qa-image-text',
  access: apiKeyAccess,
  // The question comes in a form, not a JSON body: only the answer is screened.
  safety: screened({ input: [], output: ['answer'] }),
  compose: (base) => ({ ...base, ...composeVqa(base), blobs: composeDocumentBlobs(base.config) }),
  handle: async ({ event }, { config, blobs, vqa }) => {
    const { image, fields } = await readImageRequest(event, { limits: config.images, blobs });
    const { question, provider } = validate(QaImageTextFields, fields);
    const { gpuMs, ...answer } = await vqa.answer(image, question, provider);
    return { body: answer, ...(gpuMs !== undefined ? { usage: { gpuMs } } : {}) };
  },
});
