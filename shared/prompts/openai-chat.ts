/** The prompt /v1/chat/completions renders from its messages for a model without a chat template. */
import { definePrompt } from './prompt-template';
import * as v1 from './templates/openai-chat/v1';

export const OPENAI_CHAT_PROMPT = definePrompt('openai-chat', { v1 });
