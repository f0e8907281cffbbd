/**
 * openai-chat@v1: /v1/chat/completions' messages, one line each by speaker, then `Assistant:` for the
 * model to go on (GPT-2 has no chat template). Released: change it only by adding a version.
 */
import * as z from '../../../schema';

export const text = '{{messages}}Assistant:';

export const parts = {
  system: 'System: {{text}}\n',
  user: 'User: {{text}}\n',
  assistant: 'Assistant: {{text}}\n',
};

export const variables = z.object({
  /** The rendered messages, each ending in a newline. */
  messages: z.string().check(z.minLength(1)),
});
