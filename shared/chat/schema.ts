import { STORAGE_KEY_RULE } from '../errors';
import { PromptRef, PromptVersionField } from '../prompts/prompt-template';
import { CHAT_ROUTE_NAMES } from '../routing/route-names';
import * as z from '../schema';
import { isPlainKey } from '../storage/blob-store';
import { SessionId } from './session-store';

/** Longest message: the longest text a route takes through chat (summaries of long text included). */
export const MAX_CHAT_MESSAGE_CHARS = 20_000;

const DATA_URL = /^data:image\/[\w.+-]+;base64,/i;

export const ChatRequest = z
  .strictObject({
    message: z._default(z.string().check(z.trim(), z.maxLength(MAX_CHAT_MESSAGE_CHARS)), ''),
    session_id: z.optional(SessionId),
    route: z._default(z.enum(['auto', ...CHAT_ROUTE_NAMES]), 'auto'),
    image: z.optional(
      z.pipe(
        z.string().check(z.minLength(1)),
        z
          .transform((value: string) => value.replace(DATA_URL, ''))
          .check(
            z.refine(
              (value) => /^[A-Za-z0-9+/\s]+={0,2}\s*$/.test(value),
              'must be base64 or a base64 data URL',
            ),
          ),
      ),
    ),
    image_s3_key: z.optional(
      z.string().check(z.minLength(1), z.maxLength(1024), z.refine(isPlainKey, STORAGE_KEY_RULE)),
    ),
    dry_run: z._default(z.boolean(), false),
    /** Pins the version of the conversation prompt the LLM route sends (`v1`); the newest when absent. */
    prompt_version: PromptVersionField,
  })
  .check(
    z.refine((r) => !(r.image !== undefined && r.image_s3_key !== undefined), {
      message: 'send either "image" or "image_s3_key", not both',
    }),
    z.refine((r) => r.message.length > 0 || r.image !== undefined || r.image_s3_key !== undefined, {
      path: ['message'],
      message: 'message must not be empty (it may be left out only when an image is attached)',
    }),
  );
export type ChatRequest = z.output<typeof ChatRequest>;

const RouteCandidate = z.object({ name: z.string(), score: z.number() });

/** What a chat turn answers: the reply (null on a dry run), the route and why, and the steps it took. */
export const ChatResponseBody = z.object({
  reply: z.nullable(z.string()),
  route: z.object({
    name: z.string(),
    /** 1 for an override or a rule; the deciding similarity otherwise. */
    confidence: z.number(),
    stage: z.enum(['override', 'rule', 'retrieval', 'semantic', 'fallback']),
    reason: z.string(),
    candidates: z.array(RouteCandidate),
  }),
  /** The passages a RAG reply used. */
  sources: z.optional(z.array(z.looseObject({ document_id: z.string() }))),
  /** The image job an image reply started (poll its `status_url`). */
  job: z.optional(z.looseObject({ job_id: z.string(), status_url: z.string() })),
  /** The prompt template and version of the reply: the conversation prompt (LLM), the answer prompt (RAG). */
  prompt: z.optional(PromptRef),
  session_id: z.string(),
  dry_run: z.optional(z.literal(true)),
  trace: z.array(z.object({ step: z.string(), ms: z.number(), status: z.enum(['ok', 'error']) })),
});

export const ForgetChatResponse = z.object({ session_id: z.string(), deleted: z.boolean() });
