import { describe, expect, it } from 'vitest';
import { chunkBySentences, splitSentences } from '../../shared/text/sentence-chunker';

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

describe('chunkBySentences with overlap', () => {
  it('starts each chunk with the trailing sentences of the previous one, within the overlap budget', () => {
    const sentences = Array.from({ length: 12 }, (_, i) => `Fact ${i} is here.`);
    const chunks = chunkBySentences(sentences.join(' '), 16, words, { overlapTokens: 4 });
    expect(chunks.length).toBeGreaterThan(2);
    for (let i = 1; i < chunks.length; i++) {
      const previousLast = splitSentences(chunks[i - 1] as string).at(-1);
      expect(splitSentences(chunks[i] as string)[0]).toBe(previousLast);
      expect(words(chunks[i] as string)).toBeLessThanOrEqual(16);
    }
    const covered = new Set(chunks.flatMap((c) => splitSentences(c)));
    expect([...covered].sort()).toEqual([...sentences].sort());
  });

  it('never repeats a chunk and always makes progress', () => {
    const text = Array.from({ length: 40 }, (_, i) => `S${i} a b c d e.`).join(' ');
    const chunks = chunkBySentences(text, 14, words, { overlapTokens: 7 });
    expect(new Set(chunks).size).toBe(chunks.length);
    expect(chunks.at(-1)).toContain('S39');
  });
});
