import { describe, expect, it } from 'vitest';
import { chunkBySentences, splitSentences } from '../../shared/summarization/sentence-chunker';

const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

describe('chunkBySentences', () => {
  it('splits on sentence boundaries', () => {
    expect(splitSentences('One thing. Another thing! A third? Yes.')).toEqual([
      'One thing.',
      'Another thing!',
      'A third?',
      'Yes.',
    ]);
  });

  it('packs whole sentences into chunks within the budget and loses no word', () => {
    const text = Array.from({ length: 20 }, (_, i) => `Sentence number ${i} has six words.`).join(' ');
    const chunks = chunkBySentences(text, 14, words);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(words(chunk)).toBeLessThanOrEqual(14);
      expect(chunk.endsWith('.')).toBe(true);
    }
    expect(chunks.join(' ')).toBe(text);
  });

  it('splits a sentence longer than the budget on word boundaries', () => {
    const sentence = `${Array.from({ length: 30 }, (_, i) => `w${i}`).join(' ')}.`;
    const chunks = chunkBySentences(sentence, 8, words);
    expect(chunks.length).toBe(4);
    for (const chunk of chunks) expect(words(chunk)).toBeLessThanOrEqual(8);
    expect(chunks.join(' ')).toBe(sentence);
  });

  it('keeps short text in one chunk', () => {
    expect(chunkBySentences('Short. Text.', 100, words)).toEqual(['Short. Text.']);
  });
});
