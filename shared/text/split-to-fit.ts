/**
 * Splits a span too long for one chunk into pieces that each fit: between whitespace-separated runs first,
 * then between words inside a run (Intl word boundaries), then between code points inside a word. No
 * character is dropped: the pieces, in order, are the span's text less its whitespace.
 */
import type { TextSpan } from './sentence-stream';

const wordSegmenter = new Intl.Segmenter('en', { granularity: 'word' });

/** Whether a piece of text fits the budget on its own. */
export type FitsBudget = (text: string) => boolean;

/** The longest prefix of `points[from..]` that fits (at least one code point), by galloping then bisecting. */
function longestFittingPrefix(points: readonly string[], from: number, fits: FitsBudget): number {
  const remaining = points.length - from;
  const prefix = (n: number) => points.slice(from, from + n).join('');
  let good = 0;
  let bad = remaining + 1;
  let probe = Math.min(16, remaining);
  while (bad - good > 1 && good < remaining) {
    if (fits(prefix(probe))) good = probe;
    else bad = probe;
    probe = bad > remaining ? Math.min(remaining, good * 2) : Math.floor((good + bad) / 2);
  }
  return Math.max(1, good);
}

function* splitBetweenCodePoints(span: TextSpan, fits: FitsBudget): Generator<TextSpan> {
  const points = Array.from(span.text);
  let offset = span.start;
  for (let from = 0; from < points.length; ) {
    const length = longestFittingPrefix(points, from, fits);
    const text = points.slice(from, from + length).join('');
    yield { text, start: offset };
    offset += text.length;
    from += length;
  }
}

function* splitRun(run: TextSpan, fits: FitsBudget): Generator<TextSpan> {
  if (fits(run.text)) {
    yield run;
    return;
  }
  for (const { segment, index } of wordSegmenter.segment(run.text)) {
    const word = { text: segment, start: run.start + index };
    if (fits(segment)) yield word;
    else yield* splitBetweenCodePoints(word, fits);
  }
}

/** Pieces of `span` that each fit `fits` (or are a single code point that cannot be split further). */
export function* splitToFit(span: TextSpan, fits: FitsBudget): Generator<TextSpan> {
  for (const match of span.text.matchAll(/\S+/g)) {
    yield* splitRun({ text: match[0], start: span.start + match.index }, fits);
  }
}
