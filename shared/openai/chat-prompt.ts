/**
 * How chat messages become a prompt for a causal model without a chat template (GPT-2 has none): one line
 * per message, `System:`, `User:` or `Assistant:` and its text, then `Assistant:` for the model to go on.
 * The model would carry on the dialogue by itself, so `CHAT_STOP` ends the answer where it starts a new turn.
 */
import type { ChatMessage } from './schema';

const SPEAKER: Record<ChatMessage['role'], string> = {
  system: 'System',
  developer: 'System',
  user: 'User',
  assistant: 'Assistant',
};

/** Where an answer ends: the model starting another turn. */
export const CHAT_STOP = ['\nUser:', '\nSystem:'] as const;

const textOf = (content: ChatMessage['content']) =>
  typeof content === 'string' ? content : content.map((part) => part.text).join('\n');

export function renderChatPrompt(messages: readonly ChatMessage[]): string {
  const lines = messages.map((m) => `${SPEAKER[m.role]}: ${textOf(m.content).trim()}`);
  return `${lines.join('\n')}\nAssistant:`;
}
