/**
 * vqa-blip2@v1: the LAVIS prompt the BLIP-2 T5 checkpoints were tuned with. Released: change it only by
 * adding a version.
 */
import * as z from '../../../schema';

export const text = 'Question: {{question}} Answer:';

export const variables = z.object({ question: z.string().check(z.minLength(1)) });
