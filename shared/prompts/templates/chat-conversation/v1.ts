/**
 * chat-conversation@v1: the session's turns so far and the new message, for a causal language model
 * without a chat template. Released: change it only by adding a version.
 */
import * as z from '../../../schema';

export const text = '{{history}}User: {{message}}\nAssistant:';

export const parts = { turn: 'User: {{user}}\nAssistant: {{reply}}\n' };

export const variables = z.object({
  /** The rendered turns, each ending in a newline; empty for a new session. */
  history: z.string(),
  message: z.string(),
});
