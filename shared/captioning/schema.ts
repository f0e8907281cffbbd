import { ServedModel } from '../http/common-fields';
import * as z from '../schema';

/** The fields beside the image of `POST /caption-image` (form fields, JSON properties or query parameters). */
export const CaptionOptions = z.object({
  max_new_tokens: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(64)), 20),
});

export const CaptionResponse = z.object({ caption: z.string(), model: ServedModel, timing_ms: z.number() });
