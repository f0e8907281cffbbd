/**
 * Every prompt template of the suite, for the lock file and its test. Routes import only their own
 * template's module (`shared/prompts/rag-answer.ts`), so a function's bundle holds only its own texts.
 */
import { createHash } from 'node:crypto';
import { CHAT_CONVERSATION_PROMPT } from './chat-conversation';
import { OPENAI_CHAT_PROMPT } from './openai-chat';
import type { PromptTemplate } from './prompt-template';
import { QA_GENERATIVE_PROMPT } from './qa-generative';
import { RAG_ANSWER_PROMPT } from './rag-answer';
import { VQA_BLIP2_PROMPT } from './vqa-blip2';

export const PROMPT_TEMPLATES: readonly PromptTemplate<never>[] = [
  RAG_ANSWER_PROMPT,
  QA_GENERATIVE_PROMPT,
  CHAT_CONVERSATION_PROMPT,
  OPENAI_CHAT_PROMPT,
  VQA_BLIP2_PROMPT,
] as unknown as readonly PromptTemplate<never>[];

/** Where the released versions' hashes are kept, relative to the repository root. */
export const PROMPT_LOCK_FILE = 'shared/prompts/prompts.lock.json';

/** The SHA-256 of a version's text and parts (parts in name order), as the lock file keeps it. */
export function promptHash(template: PromptTemplate<never>, version: string): string {
  const { text, parts } = template.source(version);
  const sortedParts = Object.fromEntries(Object.entries(parts).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256')
    .update(JSON.stringify({ text, parts: sortedParts }))
    .digest('hex');
}

/** Every `name@version` of every template, with its hash. */
export function promptHashes(): Record<string, string> {
  return Object.fromEntries(
    PROMPT_TEMPLATES.flatMap((template) =>
      template.versions.map((version) => [`${template.name}@${version}`, promptHash(template, version)]),
    ),
  );
}

/**
 * Compares the templates with the lock: a changed released version is a problem ("add a new version"),
 * as is a version the lock does not hold yet (`npm run prompts:lock` records it).
 */
export function lockProblems(lock: Readonly<Record<string, string>>): {
  changed: string[];
  unlocked: string[];
} {
  const changed: string[] = [];
  const unlocked: string[] = [];
  for (const [id, hash] of Object.entries(promptHashes())) {
    const locked = lock[id];
    if (locked === undefined) unlocked.push(id);
    else if (locked !== hash) changed.push(id);
  }
  return { changed, unlocked };
}
