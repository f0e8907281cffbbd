/**
 * Splits text into chunks that each fit an encoder's context, on sentence boundaries (Intl.Segmenter). A
 * sentence longer than the budget is split on word boundaries; no text is dropped.
 */

export type TokenCounter = (text: string) => number;

const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
const wordSegmenter = new Intl.Segmenter('en', { granularity: 'word' });

export function splitSentences(text: string): string[] {
  return [...sentenceSegmenter.segment(text)].map((s) => s.segment.trim()).filter((s) => s.length > 0);
}

function splitLongSentence(sentence: string, maxTokens: number, countTokens: TokenCounter): string[] {
  const pieces: string[] = [];
  let current = '';
  for (const { segment } of wordSegmenter.segment(sentence)) {
    const candidate = current + segment;
    if (current.trim() && countTokens(candidate.trim()) > maxTokens) {
      pieces.push(current.trim());
      current = segment;
    } else current = candidate;
  }
  if (current.trim()) pieces.push(current.trim());
  return pieces;
}

/** Packs whole sentences greedily into chunks of at most `maxTokens` tokens. */
export function chunkBySentences(text: string, maxTokens: number, countTokens: TokenCounter): string[] {
  const chunks: string[] = [];
  let current = '';
  const flush = () => {
    if (current) chunks.push(current);
    current = '';
  };
  for (const sentence of splitSentences(text)) {
    const units =
      countTokens(sentence) > maxTokens ? splitLongSentence(sentence, maxTokens, countTokens) : [sentence];
    for (const unit of units) {
      const candidate = current ? `${current} ${unit}` : unit;
      if (current && countTokens(candidate) > maxTokens) {
        flush();
        current = unit;
      } else current = candidate;
    }
  }
  flush();
  return chunks;
}
