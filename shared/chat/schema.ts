import { z } from 'zod';
import { STORAGE_KEY_RULE } from '../errors';
import { CHAT_ROUTE_NAMES } from '../routing/route-names';
import { isPlainKey } from '../storage/blob-store';
import { SessionId } from './session-store';

/** Longest message: the longest text a route takes through chat (summaries of long text included). */
export const MAX_CHAT_MESSAGE_CHARS = 20_000;

const DATA_URL = /^data:image\/[\w.+-]+;base64,/i;

export const ChatRequest = z
  .strictObject({
    message: z.string().trim().max(MAX_CHAT_MESSAGE_CHARS).default(''),
    session_id: SessionId.optional(),
    route: z.enum(['auto', ...CHAT_ROUTE_NAMES]).default('auto'),
    /** An image as base64, or as a data URL (`data:image/png;base64,...`). */
    image: z
      .string()
      .min(1)
      .transform((value) => value.replace(DATA_URL, ''))
      .refine((value) => /^[A-Za-z0-9+/\s]+={0,2}\s*$/.test(value), 'must be base64 or a base64 data URL')
      .optional(),
    /** An image already in the documents bucket, as the vision routes take it. */
    image_s3_key: z.string().min(1).max(1024).refine(isPlainKey, STORAGE_KEY_RULE).optional(),
    dry_run: z.boolean().default(false),
  })
  .refine((r) => !(r.image !== undefined && r.image_s3_key !== undefined), {
    message: 'send either "image" or "image_s3_key", not both',
  })
  .refine((r) => r.message.length > 0 || r.image !== undefined || r.image_s3_key !== undefined, {
    path: ['message'],
    message: 'message must not be empty (it may be left out only when an image is attached)',
  });
export type ChatRequest = z.output<typeof ChatRequest>;
