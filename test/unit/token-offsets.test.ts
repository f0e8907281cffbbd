import { describe, expect, it } from 'vitest';
import { tokenOffsets } from '../../shared/qa/token-offsets';

describe('token offsets', () => {
  it('finds lowercased, accent-stripped WordPiece tokens in the original text', () => {
    // Prepare: what an uncased BERT tokenizer makes of it
    const text = 'Café at Saint-Malo, 1903.';
    const tokens = ['cafe', 'at', 'saint', '-', 'mal', '##o', ',', '1903', '.'];
    // Act
    const spans = tokenOffsets(text, tokens);
    // Assess
    expect(spans.map((s) => text.slice(s.start, s.end))).toEqual([
      'Café',
      'at',
      'Saint',
      '-',
      'Mal',
      'o',
      ',',
      '1903',
      '.',
    ]);
  });

  it('gives an unknown token the gap between its neighbours', () => {
    const text = 'the ☃ melts';
    const spans = tokenOffsets(text, ['the', '[UNK]', 'melts']);
    expect(spans.map((s) => text.slice(s.start, s.end))).toEqual(['the', '☃', 'melts']);
  });
});
