/** The prompt /chat sends the text generator: the conversation so far and the new message. */
import { definePrompt } from './prompt-template';
import * as v1 from './templates/chat-conversation/v1';

export const CHAT_CONVERSATION_PROMPT = definePrompt('chat-conversation', { v1 });
