/**
 * Limits that users can act on are stated in what they send, characters, not in a model's tokens: this
 * converts a token budget into about how many characters of the same kind of text fit it.
 */

/** About how many characters of text like `text` (which counts `tokens` tokens) fit in `tokenBudget`. */
export function charactersThatFit(text: string, tokens: number, tokenBudget: number): number {
  if (tokens <= 0) return text.length;
  return Math.max(0, Math.floor((text.length * Math.max(0, tokenBudget)) / tokens));
}

/** A character count as users read it: `18,000`. */
export const formatCharacters = (n: number): string => n.toLocaleString('en-US');
