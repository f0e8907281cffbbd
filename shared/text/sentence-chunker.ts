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

/**
 * Packs whole sentences greedily into chunks of at most `maxTokens` tokens. With `overlapTokens`, each chunk
 * after the first starts with the trailing sentences of the previous one that fit in that many tokens, so
 * that a passage cut at a chunk boundary is still whole in one of them.
 */
export function chunkBySentences(
  text: string,
  maxTokens: number,
  countTokens: TokenCounter,
  options: { overlapTokens?: number } = {},
): string[] {
  const overlap = Math.max(0, Math.min(options.overlapTokens ?? 0, Math.floor(maxTokens / 2)));
  const chunks: string[] = [];
  let units: string[] = [];
  let fresh = 0; // units in `units` that no earlier chunk holds
  const join = (parts: readonly string[]) => parts.join(' ');
  const flush = () => {
    if (fresh === 0) return;
    chunks.push(join(units));
    const carried: string[] = [];
    for (let i = units.length - 1; i > 0 && overlap > 0; i--) {
      const candidate = [units[i] as string, ...carried];
      if (countTokens(join(candidate)) > overlap) break;
      carried.unshift(units[i] as string);
    }
    units = carried;
    fresh = 0;
  };
  for (const sentence of splitSentences(text)) {
    const pieces =
      countTokens(sentence) > maxTokens ? splitLongSentence(sentence, maxTokens, countTokens) : [sentence];
    for (const piece of pieces) {
      if (units.length > 0 && countTokens(join([...units, piece])) > maxTokens) {
        flush();
        while (units.length > 0 && countTokens(join([...units, piece])) > maxTokens) units.shift();
      }
      units.push(piece);
      fresh++;
    }
  }
  flush();
  return chunks;
}
