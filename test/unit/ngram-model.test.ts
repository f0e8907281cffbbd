import { describe, expect, it } from 'vitest';
import { RequestValidationError } from '../../shared/errors';
import { detokenize, generateFromNgram, tokenize, trainNgramModel } from '../../shared/ngram/ngram-model';

const TEXT = 'the cat sat on the mat. the cat ate. the dog sat on the log.';

describe('n-gram model', () => {
  it('tokenizes words and punctuation in lower case, and writes them back without space before punctuation', () => {
    const tokens = tokenize("The cat's mat, isn't it?");
    expect(tokens).toEqual(['the', "cat's", 'mat', ',', "isn't", 'it', '?']);
    expect(detokenize(tokens)).toBe("the cat's mat, isn't it?");
  });

  it('counts every order up to n', () => {
    // Act
    const model = trainNgramModel(TEXT, { n: 3, smoothing: 'none' });
    // Assess
    const id = (word: string) => String(model.vocabulary.indexOf(word));
    expect(model.counts).toHaveLength(3);
    expect(model.counts[0]?.['']?.[id('the')]).toBe(5);
    expect(model.counts[1]?.[id('the')]?.[id('cat')]).toBe(2);
    expect(model.counts[2]?.[`${id('the')} ${id('cat')}`]).toEqual({ [id('sat')]: 1, [id('ate')]: 1 });
  });

  it('at temperature 0 follows the most frequent continuation', () => {
    const model = trainNgramModel(TEXT, { n: 2, smoothing: 'none' });
    const { text } = generateFromNgram(model, { start: 'the', length: 3, temperature: 0, seed: 1 });
    expect(text).toBe('the cat sat on');
  });

  it('gives the same text for the same seed, and only words that follow each other in the corpus', () => {
    const model = trainNgramModel(TEXT, { n: 2, smoothing: 'none' });
    const one = generateFromNgram(model, { start: 'the', length: 40, temperature: 1, seed: 7 });
    const again = generateFromNgram(model, { start: 'the', length: 40, temperature: 1, seed: 7 });
    const other = generateFromNgram(model, { start: 'the', length: 40, temperature: 1, seed: 8 });
    expect(again).toEqual(one);
    expect(other.text).not.toBe(one.text);
    const pairs = new Set(tokenize(TEXT).flatMap((t, i, all) => (i ? [`${all[i - 1]} ${t}`] : [])));
    for (let i = 1; i < one.tokens.length; i++)
      expect(pairs).toContain(`${one.tokens[i - 1]} ${one.tokens[i]}`);
  });

  it('with Laplace smoothing may follow a word with any word of the vocabulary', () => {
    const model = trainNgramModel(TEXT, { n: 2, smoothing: 'laplace' });
    const { tokens } = generateFromNgram(model, { start: 'the', length: 200, temperature: 1, seed: 3 });
    const pairs = new Set(tokenize(TEXT).flatMap((t, i, all) => (i ? [`${all[i - 1]} ${t}`] : [])));
    const unseen = tokens.slice(1).filter((t, i) => !pairs.has(`${tokens[i]} ${t}`));
    expect(unseen.length).toBeGreaterThan(0);
  });

  it('refuses a start word outside the vocabulary, and a text with fewer words than n', () => {
    const model = trainNgramModel(TEXT, { n: 2, smoothing: 'none' });
    expect(() =>
      generateFromNgram(model, { start: 'the zebra', length: 3, temperature: 1, seed: 1 }),
    ).toThrow(/not in the corpus's vocabulary: 'zebra'/);
    expect(() => trainNgramModel('hello', { n: 3, smoothing: 'none' })).toThrow(RequestValidationError);
    expect(() => trainNgramModel('  ...  ', { n: 2, smoothing: 'none' })).toThrow(RequestValidationError);
  });
});
