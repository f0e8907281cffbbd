/**
 * Sentences of a text of any length. Intl.Segmenter runs over a bounded window at a time: each segment it
 * returns carries its own copy of the whole input (V8's `input` property), so segmenting a document at once
 * costs memory in proportion to its length times its sentences, and runs out of heap in the hundreds of
 * thousands of characters.
 */

/** A trimmed piece of a text and where it starts in that text. */
export interface TextSpan {
  readonly text: string;
  readonly start: number;
}

const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
const wordSegmenter = new Intl.Segmenter('en', { granularity: 'word' });

/** Window length used when the caller gives none. */
export const DEFAULT_WINDOW_CHARS = 8192;

function trimmedSpan(text: string, start: number): TextSpan | undefined {
  const leading = text.length - text.trimStart().length;
  const trimmed = text.trim();
  return trimmed ? { text: trimmed, start: start + leading } : undefined;
}

/** Where to cut a window holding one unfinished sentence: before its last word, else before a code point. */
function cutOfOneSentence(window: string): number {
  let lastWordStart = 0;
  for (const { index } of wordSegmenter.segment(window)) lastWordStart = index;
  if (lastWordStart > 0) return lastWordStart;
  const code = window.charCodeAt(window.length - 1);
  const endsInsidePair = code >= 0xd800 && code <= 0xdbff && window.length > 1;
  return endsInsidePair ? window.length - 1 : window.length;
}

/**
 * Yields the sentences of `text` in order, trimmed, segmenting at most `windowChars` characters at once. The
 * last sentence of a window may continue past it, so it is segmented again with the next window; a sentence
 * longer than a window is yielded in window-sized parts cut between words.
 */
export function* streamSentences(text: string, windowChars = DEFAULT_WINDOW_CHARS): Generator<TextSpan> {
  let position = 0;
  while (position < text.length) {
    const end = Math.min(text.length, position + windowChars);
    const window = text.slice(position, end);
    let last: { segment: string; index: number } | undefined;
    for (const { segment, index } of sentenceSegmenter.segment(window)) {
      if (last) {
        const span = trimmedSpan(last.segment, position + last.index);
        if (span) yield span;
      }
      last = { segment, index };
    }
    if (!last) return;
    if (end === text.length) {
      const span = trimmedSpan(last.segment, position + last.index);
      if (span) yield span;
      return;
    }
    if (last.index > 0) {
      position += last.index;
      continue;
    }
    const cut = cutOfOneSentence(window);
    const span = trimmedSpan(window.slice(0, cut), position);
    if (span) yield span;
    position += cut;
  }
}
