/**
 * The answer prompt, versioned: responses name the version so that answers can be traced to the template
 * that produced them. Passages are numbered so that the answer can cite them as [1], [2].
 */

export const PROMPT_VERSION = 'rag-answer/v1';

export interface PromptPassage {
  readonly source: string;
  readonly text: string;
}

const INSTRUCTIONS =
  'Answer the question using only the numbered passages. Cite passages as [1], [2]. ' +
  'If they do not contain the answer, say "I don\'t know".';

export function renderPassage(index: number, passage: PromptPassage): string {
  return `[${index}] (${passage.source}) ${passage.text}`;
}

export function renderPrompt(question: string, passages: readonly string[]): string {
  return `${INSTRUCTIONS}\n\n${passages.join('\n')}\n\nQuestion: ${question}\nAnswer:`;
}
