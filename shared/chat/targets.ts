/**
 * What each chat route is in terms of the suite's own HTTP routes: the route it calls, the body it sends
 * (built from the message, the image and, for the LLM, the conversation so far), and how the answer reads
 * as a chat reply. The answers are read through schemas, as any other boundary.
 */

import { UpstreamError } from '../errors';
import { CHAT_CONVERSATION_PROMPT } from '../prompts/chat-conversation';
import { PromptRef, type RenderedPrompt } from '../prompts/prompt-template';
import type { ChatRouteName } from '../routing/route-names';
import * as z from '../schema';
import type { Turn } from './session-store';

/** An attached image, in the JSON forms the vision routes take. */
export type ChatImage = { readonly image_base64: string } | { readonly image_s3_key: string };

export interface TargetInput {
  readonly message: string;
  readonly image?: ChatImage;
  readonly history: readonly Turn[];
  /** The version of the conversation prompt a request pins; the newest when absent. */
  readonly promptVersion?: string;
}

export interface ChatReply {
  readonly reply: string;
  readonly sources?: readonly unknown[];
  readonly job?: unknown;
  /** The prompt template the answering route used, where it reports one. */
  readonly prompt?: PromptRef;
}

export interface ChatTarget {
  readonly method: 'POST';
  /** The suite's route that answers (shared/http/routes.ts names its function). */
  readonly path: string;
  readonly body: (input: TargetInput) => Record<string, unknown>;
  readonly reply: (body: unknown) => ChatReply;
  /** The prompt template this target renders itself (the LLM's conversation prompt). */
  readonly prompt?: (input: TargetInput) => PromptRef;
}

/** Longest LLM reply, in tokens: a chat turn, not an essay. */
export const LLM_REPLY_TOKENS = 64;

/** The conversation so far and the new message, as the prompt of a causal language model. */
export function conversationPrompt(
  history: readonly Turn[],
  message: string,
  version?: string,
): RenderedPrompt {
  const turns = history.map((turn) =>
    CHAT_CONVERSATION_PROMPT.renderPart('turn', { user: turn.user, reply: turn.reply }, version),
  );
  return CHAT_CONVERSATION_PROMPT.render({ history: turns.join(''), message }, version);
}

/** The text to summarize: the message without a leading instruction such as "Summarize this:". */
export function textToSummarize(message: string): string {
  const stripped = message
    .replace(/^\s*(please\s+)?(summari[sz]e|tl;?dr( of)?|condense|shorten)\b[^:\n]{0,40}:\s*/i, '')
    .trim();
  return stripped || message;
}

/** The topic of a research request: the message without "research", "look up … on Wikipedia" and the like. */
export function researchTopic(message: string): string {
  const topic = message
    .replace(
      /^\s*(please\s+)?(research( the topic of)?|look up|find out about|investigate|tell me about|give me a researched overview of|what does wikipedia say about)\s+/i,
      '',
    )
    .replace(/\s+(on|from) wikipedia\b/i, '')
    .replace(/[\s?.!]+$/, '')
    .trim();
  return topic || message;
}

const read = <S extends z.core.$ZodType>(route: string, schema: S, body: unknown): z.output<S> => {
  const parsed = z.safeParse(schema, body);
  if (!parsed.success) throw new UpstreamError(`the ${route} route answered in an unexpected shape`);
  return parsed.data;
};

const Completion = z.looseObject({ completion: z.string() });
const RagAnswer = z.looseObject({
  answer: z.string(),
  sources: z.array(z.unknown()),
  prompt: z.optional(PromptRef),
});
const JobAccepted = z.looseObject({ job_id: z.string(), status: z.string(), status_url: z.string() });
const Caption = z.looseObject({ caption: z.string() });
const VqaAnswer = z.looseObject({ answer: z.string() });
const Summary = z.looseObject({ summary: z.string() });
const Sentiment = z.looseObject({ label: z.string(), score: z.number() });
const Research = z.looseObject({
  summary: z.string(),
  title: z.optional(z.string()),
  url: z.optional(z.string()),
});

const ragTarget = (path: string): ChatTarget => ({
  method: 'POST',
  path,
  body: ({ message }) => ({ question: message }),
  reply: (body) => {
    const { answer, sources, prompt } = read(path, RagAnswer, body);
    return { reply: answer, sources, ...(prompt ? { prompt } : {}) };
  },
});

export const CHAT_TARGETS: Readonly<Record<ChatRouteName, ChatTarget>> = {
  llm: {
    method: 'POST',
    path: '/hello-llm',
    body: ({ message, history, promptVersion }) => ({
      prompt: conversationPrompt(history, message, promptVersion).text,
      max_new_tokens: LLM_REPLY_TOKENS,
    }),
    reply: (body) => ({ reply: read('/hello-llm', Completion, body).completion.trim() }),
    prompt: ({ promptVersion }) => CHAT_CONVERSATION_PROMPT.resolve(promptVersion),
  },
  rag: ragTarget('/rag-query'),
  'rag-faiss': ragTarget('/rag-faiss-query'),
  image: {
    method: 'POST',
    path: '/generate-image',
    body: ({ message }) => ({ prompt: message }),
    reply: (body) => {
      // The chat turn reports its own cost, which includes this dispatch: not the dispatched route's.
      const { cost: _cost, ...job } = read('/generate-image', JobAccepted, body);
      return {
        reply:
          job.status === 'succeeded'
            ? 'Here is your image.'
            : `Your image is being generated: poll ${job.status_url} until its status is "succeeded".`,
        job,
      };
    },
  },
  caption: {
    method: 'POST',
    path: '/caption-image',
    body: ({ image }) => ({ ...image }),
    reply: (body) => ({ reply: read('/caption-image', Caption, body).caption }),
  },
  vqa: {
    method: 'POST',
    path: '/qa-image-text',
    body: ({ image, message }) => ({ ...image, question: message }),
    reply: (body) => ({ reply: read('/qa-image-text', VqaAnswer, body).answer }),
  },
  researcher: {
    method: 'POST',
    path: '/researcher',
    body: ({ message }) => ({ topic: researchTopic(message) }),
    reply: (body) => {
      const research = read('/researcher', Research, body);
      return {
        reply: research.summary,
        ...(research.url ? { sources: [{ title: research.title, url: research.url }] } : {}),
      };
    },
  },
  summarize: {
    method: 'POST',
    path: '/summarize',
    body: ({ message }) => ({ text: textToSummarize(message) }),
    reply: (body) => ({ reply: read('/summarize', Summary, body).summary }),
  },
  sentiment: {
    method: 'POST',
    path: '/sentiment',
    body: ({ message }) => ({ text: message }),
    reply: (body) => {
      const { label, score } = read('/sentiment', Sentiment, body);
      return { reply: `${label} (${score.toFixed(3)})` };
    },
  },
};
