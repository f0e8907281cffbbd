import { describe, expect, it } from 'vitest';
import { conversationPrompt, researchTopic, textToSummarize } from '../../shared/chat/targets';
import { ConfigurationError } from '../../shared/errors';
import { defaultRouteExamples, parseRouteExamples } from '../../shared/routing/examples';
import { applyRules } from '../../shared/routing/rules';

describe('routing rules', () => {
  it.each([
    ['', 'caption'],
    ['describe this photo', 'caption'],
    ['Can you describe this picture?', 'caption'],
    ['a nice one', 'caption'],
    ['What colour is the car?', 'vqa'],
    ['how many people are there', 'vqa'],
    ['is there a dog in it', 'vqa'],
  ])('with an image attached, "%s" goes to %s', (message, route) => {
    // Act
    const decision = applyRules(message, true);
    // Assess
    expect(decision?.name).toBe(route);
    expect(decision?.stage).toBe('rule');
    expect(decision?.reason).toMatch(/image is attached/);
  });

  it.each([
    'Draw a cat on a skateboard',
    'please paint me a sunset over the sea',
    'Generate an image of a lighthouse at night',
    'can you create a picture of two dogs playing',
    'make me a logo for my bakery',
  ])('"%s" is image generation', (message) => {
    const decision = applyRules(message, false);
    expect(decision).toMatchObject({ name: 'image', confidence: 1, stage: 'rule' });
    expect(decision?.reason).toMatch(/draw or generate a picture/);
  });

  it.each([
    'What is in this picture?',
    'Summarize this text about image processing',
    'Tell me a story about a painter',
    'Is this review positive or negative?',
  ])('"%s" without an image is left to the later stages', (message) => {
    expect(applyRules(message, false)).toBeUndefined();
  });
});

describe('the routing examples file', () => {
  it('holds examples for the text routes', () => {
    const routes = new Set(defaultRouteExamples().map((e) => e.route));
    expect([...routes].sort()).toEqual(['image', 'llm', 'rag', 'researcher', 'sentiment', 'summarize']);
  });

  it('refuses a malformed file, naming the problem', () => {
    expect(() => parseRouteExamples({ version: 1, routes: { llm: [] } })).toThrow(ConfigurationError);
    expect(() => parseRouteExamples({ version: 2, routes: {} })).toThrow(/version/);
    expect(() => parseRouteExamples({ version: 1, routes: { teleport: ['beam me up'] } })).toThrow(
      /teleport|routes/,
    );
  });
});

describe('what the routes are sent', () => {
  it('strips the instruction from a text to summarize, and from a research topic', () => {
    expect(textToSummarize('Summarize this: The fox ran. The dog slept.')).toBe(
      'The fox ran. The dog slept.',
    );
    expect(textToSummarize('TL;DR: long meeting')).toBe('long meeting');
    expect(textToSummarize('Make this shorter')).toBe('Make this shorter');
    expect(researchTopic('Look up Alan Turing on Wikipedia')).toBe('Alan Turing');
    expect(researchTopic('Research the history of the Eiffel Tower.')).toBe(
      'the history of the Eiffel Tower',
    );
    expect(researchTopic('What does Wikipedia say about black holes?')).toBe('black holes');
    expect(researchTopic('Marie Curie')).toBe('Marie Curie');
  });

  it('gives the LLM the conversation as alternating turns, ending where the assistant speaks', () => {
    const history = [{ user: 'hi', reply: 'hello', route: 'llm', at: '' }];
    expect(conversationPrompt(history, 'how are you?').text).toBe(
      'User: hi\nAssistant: hello\nUser: how are you?\nAssistant:',
    );
    expect(conversationPrompt([], 'hi').text).toBe('User: hi\nAssistant:');
  });
});
