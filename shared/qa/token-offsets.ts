/**
 * Character offsets of WordPiece tokens in the text they came from. transformers.js tokenizers return no
 * offset mapping, so each token is found in the text as the tokenizer normalized it (lowercased, accents
 * stripped), left to right, and mapped back to the original characters: an answer is then a slice of the
 * caller's own text, with its own case and accents.
 */

export interface TokenSpan {
  /** Index of the token's first character in the original text. */
  readonly start: number;
  /** One past its last character. */
  readonly end: number;
}

/** The text as an uncased BERT tokenizer sees it, with the original index of each of its characters. */
function normalized(text: string): { text: string; origin: number[] } {
  let out = '';
  const origin: number[] = [];
  for (let i = 0; i < text.length; ) {
    const codePoint = text.codePointAt(i) as number;
    const char = String.fromCodePoint(codePoint);
    const folded = char
      .toLowerCase()
      .normalize('NFD')
      .replace(/\p{Mn}/gu, '');
    for (const c of folded) {
      out += c;
      origin.push(i);
    }
    i += char.length;
  }
  return { text: out, origin };
}

/**
 * The span of each token (`##` pieces continue the word before them). A token that cannot be found (`[UNK]`
 * for a character outside the vocabulary) takes the gap up to the next token found.
 */
export function tokenOffsets(text: string, tokens: readonly string[]): TokenSpan[] {
  const { text: folded, origin } = normalized(text);
  const originalIndex = (foldedIndex: number) =>
    foldedIndex >= origin.length ? text.length : (origin[foldedIndex] as number);
  const found: (TokenSpan | undefined)[] = [];
  let cursor = 0;
  for (const token of tokens) {
    const piece = token.startsWith('##') ? token.slice(2) : token;
    const at = piece.length > 0 && token !== '[UNK]' ? folded.indexOf(piece, cursor) : -1;
    if (at < 0) {
      found.push(undefined);
      continue;
    }
    cursor = at + piece.length;
    found.push({ start: originalIndex(at), end: originalIndex(cursor - 1) + 1 });
  }
  // Unknown tokens span from the end of the token before to the start of the one after.
  return found.map((span, i) => {
    if (span) return span;
    const before = found.slice(0, i).findLast((s) => s !== undefined);
    const after = found.slice(i + 1).find((s) => s !== undefined);
    const start = before ? before.end : 0;
    const end = after ? after.start : text.length;
    const trimmedStart = start + (text.slice(start, end).length - text.slice(start, end).trimStart().length);
    const trimmedEnd = end - (text.slice(start, end).length - text.slice(start, end).trimEnd().length);
    return { start: trimmedStart, end: Math.max(trimmedStart, trimmedEnd) };
  });
}
