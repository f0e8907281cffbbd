/**
 * How chat messages become a prompt for a causal model without a chat template (GPT-2 has none): the
 * `openai-chat` template writes one line per message, `System:`, `User:` or `Assistant:` and its text, then
 * `Assistant:` for the model to go on. The model would carry on the dialogue by itself, so `CHAT_STOP` ends
 * the answer where it starts a new turn.
 */
import { OPENAI_CHAT_PROMPT } from '../prompts/openai-chat';
import type { RenderedPrompt } from '../prompts/prompt-template';
import type { ChatMessage } from './schema';

const SPEAKER: Record<ChatMessage['role'], 'system' | 'user' | 'assistant'> = {
  system: 'system',
  developer: 'system',
  user: 'user',
  assistant: 'assistant',
};

/** Where an answer ends: the model starting another turn. */
export const CHAT_STOP = ['\nUser:', '\nSystem:'] as const;

const textOf = (content: ChatMessage['content']) =>
  typeof content === 'string' ? content : content.map((part) => part.text).join('\n');

export function renderChatPrompt(messages: readonly ChatMessage[], version?: string): RenderedPrompt {
  const lines = messages.map((m) =>
    OPENAI_CHAT_PROMPT.renderPart(SPEAKER[m.role], { text: textOf(m.content).trim() }, version),
  );
  return OPENAI_CHAT_PROMPT.render({ messages: lines.join('') }, version);
}
