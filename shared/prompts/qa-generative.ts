/** The prompt of /qa's generative mode. */
import { definePrompt } from './prompt-template';
import * as v1 from './templates/qa-generative/v1';

export const QA_GENERATIVE_PROMPT = definePrompt('qa-generative', { v1 });
