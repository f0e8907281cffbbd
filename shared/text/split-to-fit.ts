/**
 * Splits a span too long for one chunk into pieces that each fit: between whitespace-separated runs first,
 * then between words inside a run (Intl word boundaries), then between code points inside a word. No
 * character is dropped: the pieces, in order, are the span's text less its whitespace.
 */
import type { TextSpan } from './sentence-stream';

const wordSegmenter = new Intl.Segmenter('en', { granularity: 'word' });

/** Whether a piece of text fits the budget on its own. */
export type FitsBudget = (text: string) => boolean;

/**
 * How many of `parts[from..]`, joined, fit (0 when not even the first does). Starts from `hint` (the count
 * that fitted last time, as text tends to keep its density), gallops, then bisects until within an eighth of
 * the longest: close enough, and each probe tokenizes a whole piece, so few probes keep the cost near linear.
 */
function longestFittingPrefix(
  parts: readonly string[],
  from: number,
  fits: FitsBudget,
  hint: number,
): number {
  const remaining = parts.length - from;
  const prefix = (n: number) => parts.slice(from, from + n).join('');
  let good = 0;
  let bad = remaining + 1;
  let probe = Math.min(Math.max(1, hint), remaining);
  let growth = 1.125;
  while (good < remaining && bad - good > Math.max(1, good >> 3)) {
    if (fits(prefix(probe))) good = probe;
    else bad = probe;
    if (bad > remaining) {
      probe = Math.min(remaining, Math.max(good + 1, Math.ceil(good * growth)));
      growth = 2;
    } else probe = Math.floor((good + bad) / 2);
  }
  return good;
}

/**
 * Groups `parts` (consecutive pieces of one span starting at `start`) into the longest runs that fit; a part
 * that does not fit alone is handed to `splitPart`, or kept whole when there is none.
 */
function* groupToFit(
  parts: readonly string[],
  start: number,
  fits: FitsBudget,
  splitPart?: (part: TextSpan) => Iterable<TextSpan>,
): Generator<TextSpan> {
  let offset = start;
  let hint = 16;
  for (let from = 0; from < parts.length; ) {
    const count = longestFittingPrefix(parts, from, fits, hint);
    if (count > 0) hint = count;
    const text = parts.slice(from, from + Math.max(1, count)).join('');
    if (count === 0 && splitPart) yield* splitPart({ text, start: offset });
    else yield { text, start: offset };
    offset += text.length;
    from += Math.max(1, count);
  }
}

const splitBetweenCodePoints = (span: TextSpan, fits: FitsBudget) =>
  groupToFit(Array.from(span.text), span.start, fits);

function* splitRun(run: TextSpan, fits: FitsBudget, knownTooLong: boolean): Generator<TextSpan> {
  if (!knownTooLong && fits(run.text)) {
    yield run;
    return;
  }
  const words = Array.from(wordSegmenter.segment(run.text), (s) => s.segment);
  yield* groupToFit(words, run.start, fits, (word) => splitBetweenCodePoints(word, fits));
}

/**
 * Pieces of `span`, which does not fit, that each fit `fits` (or are a single code point that cannot be split
 * further).
 */
export function* splitToFit(span: TextSpan, fits: FitsBudget): Generator<TextSpan> {
  for (const match of span.text.matchAll(/\S+/g)) {
    const whole = match[0].length === span.text.length;
    yield* splitRun({ text: match[0], start: span.start + match.index }, fits, whole);
  }
}
