/**
 * Prompt templates: rendering, the variables' schema, pinning a version, and the lock of released texts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PromptRenderError, RequestValidationError } from '../../shared/errors';
import { CHAT_CONVERSATION_PROMPT } from '../../shared/prompts/chat-conversation';
import { definePrompt } from '../../shared/prompts/prompt-template';
import { QA_GENERATIVE_PROMPT } from '../../shared/prompts/qa-generative';
import { RAG_ANSWER_PROMPT } from '../../shared/prompts/rag-answer';
import {
  lockProblems,
  PROMPT_LOCK_FILE,
  PROMPT_TEMPLATES,
  promptHashes,
} from '../../shared/prompts/registry';
import * as z from '../../shared/schema';

const Greeted = z.object({ name: z.string().check(z.minLength(1)), title: z.optional(z.string()) });
const greeting = definePrompt('greeting', {
  v1: { text: 'Hello {{name}}.', variables: Greeted },
  v2: { text: '{{#title}}{{title}} {{/title}}{{name}}, hello.', variables: Greeted },
});

describe('prompt templates', () => {
  it('renders the newest version unless one is pinned, and names it', () => {
    // Act
    const newest = greeting.render({ name: 'Ada' });
    const pinned = greeting.render({ name: 'Ada' }, 'v1');
    // Assess
    expect(newest).toEqual({ text: 'Ada, hello.', prompt: { name: 'greeting', version: 'v2' } });
    expect(pinned).toEqual({ text: 'Hello Ada.', prompt: { name: 'greeting', version: 'v1' } });
    expect(greeting.render({ name: 'Ada', title: 'Dr' }).text).toBe('Dr Ada, hello.');
    expect(greeting.versions).toEqual(['v1', 'v2']);
  });

  it('inserts values once: a value holding a placeholder stays text', () => {
    expect(greeting.render({ name: '{{title}} {{name}}' }, 'v1').text).toBe('Hello {{title}} {{name}}.');
  });

  it('refuses a version that does not exist with a 422 naming those that do', () => {
    // Act
    const pin = () => greeting.render({ name: 'Ada' }, 'v7');
    // Assess
    expect(pin).toThrow(RequestValidationError);
    expect(pin).toThrow('the prompt greeting has no version v7; available: v1, v2');
    try {
      pin();
    } catch (error) {
      expect((error as RequestValidationError).statusCode).toBe(422);
      expect((error as RequestValidationError).details?.[0]?.path).toBe('prompt_version');
    }
  });

  it('refuses variables its schema does not accept with an internal (500) error', () => {
    const render = () => greeting.render({ name: '' });
    expect(render).toThrow(PromptRenderError);
    expect(render).toThrow(/greeting@v2 was given invalid variables/);
    try {
      render();
    } catch (error) {
      expect((error as PromptRenderError).statusCode).toBe(500);
      expect((error as PromptRenderError).expose).toBe(false);
    }
  });

  it('keeps the texts the suite sent before the templates were versioned', () => {
    const passage = RAG_ANSWER_PROMPT.renderPart('passage', {
      index: 1,
      source: 'faq',
      text: 'Lit at dusk.',
    });
    expect(RAG_ANSWER_PROMPT.render({ question: 'When?', passages: passage }).text).toBe(
      'Answer the question using only the numbered passages. Cite passages as [1], [2]. ' +
        'If they do not contain the answer, say "I don\'t know".\n\n[1] (faq) Lit at dusk.\n\nQuestion: When?\nAnswer:',
    );
    expect(QA_GENERATIVE_PROMPT.render({ question: 'Why?' }).text).toBe('Question: Why?\nAnswer:');
    expect(QA_GENERATIVE_PROMPT.render({ question: 'Why?', context: 'Because.' }).text).toBe(
      'Context: Because.\nQuestion: Why?\nAnswer:',
    );
    const turn = CHAT_CONVERSATION_PROMPT.renderPart('turn', { user: 'hi', reply: 'hello' });
    expect(CHAT_CONVERSATION_PROMPT.render({ history: turn, message: 'how are you?' }).text).toBe(
      'User: hi\nAssistant: hello\nUser: how are you?\nAssistant:',
    );
  });

  it('names every template once', () => {
    const names = PROMPT_TEMPLATES.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('the prompt lock', () => {
  const lock = JSON.parse(
    readFileSync(path.resolve(import.meta.dirname, '../..', PROMPT_LOCK_FILE), 'utf8'),
  ) as Record<string, string>;

  it('holds the hash of every released version, unchanged', () => {
    const { changed, unlocked } = lockProblems(lock);
    expect(
      changed.map((id) => `${id} changed since it was locked: add a new version instead of editing ${id}`),
    ).toEqual([]);
    expect(unlocked.map((id) => `${id} is not locked: run npm run prompts:lock`)).toEqual([]);
  });

  it('notices an edited version', () => {
    const edited = { ...promptHashes(), 'rag-answer@v1': '0'.repeat(64) };
    expect(lockProblems(edited).changed).toEqual(['rag-answer@v1']);
  });
});
