/** The prompt BLIP-2 answers a question about an image from (in-process and in the GPU service). */
import { definePrompt } from './prompt-template';
import * as v1 from './templates/vqa-blip2/v1';

export const VQA_BLIP2_PROMPT = definePrompt('vqa-blip2', { v1 });
