import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { chunkBySentences, splitSentences, streamChunks } from '../../shared/text/sentence-chunker';
import { englishDocument } from '../helpers/english-text';

const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
/** A counter like a real encoder's: two special tokens, then about four characters a token. */
const quarters = (text: string) => 2 + Math.ceil([...text].length / 4);
const withoutSpaces = (text: string) => text.replace(/\s+/g, '');
/** `length` letters without spaces or repeats that `indexOf` could mistake for one another. */
function letterRun(length: number): string {
  let state = 7;
  return Array.from({ length }, () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return String.fromCharCode(97 + ((state >> 16) % 26));
  }).join('');
}

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

describe('chunkBySentences on text without boundaries', () => {
  it('splits a word longer than a chunk into pieces that each fit, losing no character', () => {
    const word = letterRun(3000);
    const text = `Before the long word. ${word} follows, then more. After it.`;
    const chunks = chunkBySentences(text, 64, quarters);
    for (const chunk of chunks) expect(quarters(chunk)).toBeLessThanOrEqual(64);
    expect(withoutSpaces(chunks.join(''))).toBe(withoutSpaces(text));
    expect(chunks.join(' ')).toContain('Before the long word.');
  });

  it('splits a run of emoji between code points, never inside a surrogate pair', () => {
    const text = '🙂'.repeat(500);
    const chunks = chunkBySentences(text, 20, quarters);
    for (const chunk of chunks) {
      expect(quarters(chunk)).toBeLessThanOrEqual(20);
      expect(chunk).toMatch(/^(🙂)+$/u);
    }
    expect(chunks.join('')).toBe(text);
  });

  it('keeps every character of a large document, in order, with and without overlap', () => {
    const text = `${englishDocument(60_000)} ${letterRun(20_000)} ${englishDocument(5_000)}`;
    const plain = chunkBySentences(text, 200, quarters);
    expect(withoutSpaces(plain.join(''))).toBe(withoutSpaces(text));
    for (const chunk of plain) expect(quarters(chunk)).toBeLessThanOrEqual(200);

    const overlapping = chunkBySentences(text, 200, quarters, { overlapTokens: 40 });
    const whole = withoutSpaces(text);
    let covered = 0;
    for (const chunk of overlapping) {
      expect(quarters(chunk)).toBeLessThanOrEqual(200);
      const start = whole.indexOf(withoutSpaces(chunk), Math.max(0, covered - 400));
      expect(start).toBeGreaterThanOrEqual(0);
      expect(start).toBeLessThanOrEqual(covered);
      covered = Math.max(covered, start + withoutSpaces(chunk).length);
    }
    expect(covered).toBe(whole.length);
  });
});

describe('streamChunks', () => {
  it('yields chunks as they complete, so a caller that stops early reads only the start of the text', () => {
    const text = englishDocument(2_000_000);
    let counted = 0;
    const counter = (t: string) => {
      counted += t.length;
      return quarters(t);
    };
    const taken: string[] = [];
    for (const chunk of streamChunks(text, 200, counter)) {
      taken.push(chunk);
      if (taken.length === 3) break;
    }
    expect(taken).toEqual(chunkBySentences(text.slice(0, 20_000), 200, quarters).slice(0, 3));
    expect(counted).toBeLessThan(50_000);
  });
});

describe('chunkBySentences on a document at the size limit', () => {
  it('chunks 1,000,000 characters with the embedder tokenizer in a 96 MiB heap', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--max-old-space-size=96', '--import', 'tsx', 'test/helpers/chunk-large-text.ts', '1000000'],
      { timeout: 100_000 },
    );
    const result = JSON.parse(stdout) as { characters: number; chunks: number; longestChunkTokens: number };
    expect(result.characters).toBeGreaterThanOrEqual(1_000_000);
    expect(result.chunks).toBeGreaterThan(1_000_000 / (200 * 8));
    expect(result.longestChunkTokens).toBeLessThanOrEqual(200);
  }, 120_000);
});
