/** The answer prompt of /rag-query and /rag-faiss-query: numbered passages the answer cites as [1], [2]. */
import { definePrompt } from './prompt-template';
import * as v1 from './templates/rag-answer/v1';

export const RAG_ANSWER_PROMPT = definePrompt('rag-answer', { v1 });
