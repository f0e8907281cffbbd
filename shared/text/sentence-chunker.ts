/**
 * Splits text into chunks that each fit an encoder's context, on sentence boundaries. Text of any accepted
 * size is read as a stream of sentences (see sentence-stream), each sentence's tokens are counted once, and
 * each chunk's once more when it is complete, so time and memory grow with the text and a chunk, never
 * with their product. A sentence longer than a chunk is split between words, and a word longer than a chunk
 * between characters: every piece fits and no character is dropped.
 */
import { DEFAULT_WINDOW_CHARS, streamSentences, type TextSpan } from './sentence-stream';
import { splitToFit } from './split-to-fit';

/** Counts tokens as the encoder does, special tokens included, so that a chunk's count is what it will see. */
export type TokenCounter = (text: string) => number;

export interface ChunkOptions {
  /** Tokens of trailing sentences each chunk repeats from the previous one (at most half a chunk). */
  readonly overlapTokens?: number;
}

/** A sentence, or a piece of one, with its token count less the encoder's special tokens. */
interface Unit {
  readonly text: string;
  /** What separated it from the unit before it in the source: a space, or nothing inside a split word. */
  readonly gap: '' | ' ';
  readonly tokens: number;
}

/** The sentences of `text`, trimmed, segmented a bounded window at a time (see streamSentences). */
export function splitSentences(text: string): string[] {
  return Array.from(streamSentences(text), (s) => s.text);
}

/** Characters segmented at once: several chunks' worth at any plausible number of characters a token. */
const windowFor = (maxTokens: number) => Math.max(DEFAULT_WINDOW_CHARS, maxTokens * 32);

function* unitsOf(text: string, maxTokens: number, countTokens: TokenCounter): Generator<Unit> {
  const specialTokens = countTokens('');
  const unit = (span: TextSpan, tokens: number): Unit => ({
    text: span.text,
    gap: span.start > 0 && /\s/.test(text[span.start - 1] ?? '') ? ' ' : '',
    tokens: tokens - specialTokens,
  });
  for (const sentence of streamSentences(text, windowFor(maxTokens))) {
    const tokens = countTokens(sentence.text);
    if (tokens <= maxTokens) {
      yield unit(sentence, tokens);
      continue;
    }
    for (const piece of splitToFit(sentence, (t) => countTokens(t) <= maxTokens)) {
      yield unit(piece, countTokens(piece.text));
    }
  }
}

const joinUnits = (units: readonly Unit[]) =>
  units.map((u, i) => (i === 0 ? u.text : u.gap + u.text)).join('');

/**
 * Packs whole sentences greedily into chunks of at most `maxTokens` tokens, as `countTokens` counts them, and
 * yields each chunk as soon as it is complete, so that a caller can stop early (work stays in proportion to
 * the chunks taken). With `overlapTokens`, each chunk after the first starts with the trailing sentences of
 * the previous one that fit in that many tokens, so that a passage cut at a chunk boundary is still whole in
 * one of them.
 */
export function* streamChunks(
  text: string,
  maxTokens: number,
  countTokens: TokenCounter,
  options: ChunkOptions = {},
): Generator<string> {
  const overlap = Math.max(0, Math.min(options.overlapTokens ?? 0, Math.floor(maxTokens / 2)));
  const specialTokens = countTokens('');
  const done: string[] = [];
  let units: Unit[] = [];
  let carried = 0; // leading units of `units` that the previous chunk already holds
  const estimate = (list: readonly Unit[]) => list.reduce((sum, u) => sum + u.tokens, specialTokens);

  const flush = (): Unit[] => {
    const returned: Unit[] = [];
    if (units.length === carried) return returned;
    // Token counts of joined text may differ a little from the sum of its parts: check the chunk itself.
    let chunk = joinUnits(units);
    while (units.length > 1 && countTokens(chunk) > maxTokens) {
      if (units.length - carried > 1) returned.unshift(units.pop() as Unit);
      else {
        units.shift();
        carried = Math.max(0, carried - 1);
      }
      chunk = joinUnits(units);
    }
    done.push(chunk);
    const kept: Unit[] = [];
    let keptTokens = 0;
    for (let i = units.length - 1; i > 0 && overlap > 0; i--) {
      const unit = units[i] as Unit;
      if (keptTokens + unit.tokens > overlap) break;
      kept.unshift(unit);
      keptTokens += unit.tokens;
    }
    units = kept;
    carried = kept.length;
    return returned;
  };

  const place = (unit: Unit) => {
    if (units.length > carried && estimate(units) + unit.tokens > maxTokens) {
      for (const back of flush()) place(back);
    }
    while (units.length > 0 && estimate(units) + unit.tokens > maxTokens) {
      units.shift();
      carried = Math.max(0, carried - 1);
    }
    units.push(unit);
  };

  for (const unit of unitsOf(text, maxTokens, countTokens)) {
    place(unit);
    yield* done.splice(0);
  }
  while (units.length > carried) for (const back of flush()) place(back);
  yield* done.splice(0);
}

/** All the chunks of `text` (see streamChunks). */
export function chunkBySentences(
  text: string,
  maxTokens: number,
  countTokens: TokenCounter,
  options: ChunkOptions = {},
): string[] {
  return Array.from(streamChunks(text, maxTokens, countTokens, options));
}
