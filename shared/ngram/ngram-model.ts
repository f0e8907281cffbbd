/**
 * A word n-gram language model (n = 2 or 3) as counts of each context's next tokens, with every lower order
 * kept beside the highest, so that a context never seen backs off to a shorter one instead of stopping.
 * Sampling is seeded (mulberry32), so a seed gives the same text on every machine.
 */
import { RequestValidationError } from '../errors';
import type { Smoothing } from './schema';

export interface NgramModel {
  readonly version: 1;
  readonly n: 2 | 3;
  readonly smoothing: Smoothing;
  /** Every token, in order of first appearance; counts refer to tokens by their index here. */
  readonly vocabulary: readonly string[];
  /**
   * For each order k (1..n), context (k - 1 token indexes joined by " ", "" for unigrams) → next token
   * index → count.
   */
  readonly counts: readonly Readonly<Record<string, Readonly<Record<string, number>>>>[];
  readonly tokens: number;
}

const TOKEN = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*|[.,!?;:]/gu;
const CLOSING_PUNCTUATION = /^[.,!?;:]$/;

/** Lowercased words (with inner apostrophes) and sentence punctuation, in order. */
export function tokenize(text: string): string[] {
  return Array.from(text.toLowerCase().matchAll(TOKEN), (m) => m[0].replace('’', "'"));
}

/** Tokens as text: a space between words, none before punctuation. */
export function detokenize(tokens: readonly string[]): string {
  return tokens.reduce(
    (text, token, i) =>
      i === 0 ? token : CLOSING_PUNCTUATION.test(token) ? text + token : `${text} ${token}`,
    '',
  );
}

export function trainNgramModel(text: string, options: { n: 2 | 3; smoothing: Smoothing }): NgramModel {
  const tokens = tokenize(text);
  const words = tokens.filter((token) => !CLOSING_PUNCTUATION.test(token)).length;
  if (words === 0 || tokens.length < options.n) {
    throw new RequestValidationError([
      {
        path: 'text',
        message: `the text holds ${words} words; a ${options.n}-gram model needs at least ${options.n}`,
      },
    ]);
  }
  const index = new Map<string, number>();
  const ids = tokens.map((token) => {
    let id = index.get(token);
    if (id === undefined) {
      id = index.size;
      index.set(token, id);
    }
    return id;
  });
  const counts = Array.from({ length: options.n }, () => new Map<string, Map<number, number>>());
  for (let i = 0; i < ids.length; i++) {
    for (let order = 1; order <= options.n && order <= i + 1; order++) {
      const context = ids.slice(i - order + 1, i).join(' ');
      const next = counts[order - 1] as Map<string, Map<number, number>>;
      const row = next.get(context) ?? new Map<number, number>();
      row.set(ids[i] as number, (row.get(ids[i] as number) ?? 0) + 1);
      next.set(context, row);
    }
  }
  return {
    version: 1,
    n: options.n,
    smoothing: options.smoothing,
    vocabulary: [...index.keys()],
    counts: counts.map((byContext) =>
      Object.fromEntries([...byContext].map(([context, row]) => [context, Object.fromEntries(row)])),
    ),
    tokens: tokens.length,
  };
}

/** Seeded uniform numbers in [0, 1) (mulberry32). */
function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The next token's weights after `history`: the longest context seen, plus one for every word when smoothed. */
function nextWeights(model: NgramModel, history: readonly number[]): Map<number, number> {
  for (let order = Math.min(model.n, history.length + 1); order >= 1; order--) {
    const context = history.slice(history.length - order + 1).join(' ');
    const row = model.counts[order - 1]?.[context];
    if (!row) continue;
    const weights = new Map<number, number>();
    if (model.smoothing === 'laplace') {
      for (let id = 0; id < model.vocabulary.length; id++) weights.set(id, 1);
    }
    for (const [id, count] of Object.entries(row))
      weights.set(Number(id), (weights.get(Number(id)) ?? 0) + count);
    return weights;
  }
  return new Map();
}

function pick(weights: Map<number, number>, temperature: number, uniform: () => number): number | undefined {
  const entries = [...weights].sort(([a], [b]) => a - b);
  if (entries.length === 0) return undefined;
  if (temperature === 0) {
    return entries.reduce((best, entry) => (entry[1] > best[1] ? entry : best))[0];
  }
  const scaled = entries.map(([id, w]) => [id, w ** (1 / temperature)] as const);
  const total = scaled.reduce((sum, [, w]) => sum + w, 0);
  let threshold = uniform() * total;
  for (const [id, w] of scaled) {
    threshold -= w;
    if (threshold < 0) return id;
  }
  return scaled[scaled.length - 1]?.[0];
}

export interface GeneratedText {
  readonly text: string;
  readonly tokens: readonly string[];
}

/**
 * `length` tokens after `start`, each drawn from the counts of its context at `temperature` (0: the most
 * frequent). Every word of `start` must be in the vocabulary; the text it opens with is part of the answer.
 */
export function generateFromNgram(
  model: NgramModel,
  options: { start: string; length: number; temperature: number; seed: number },
): GeneratedText {
  const start = tokenize(options.start);
  if (start.length === 0) {
    throw new RequestValidationError([{ path: 'start', message: 'start holds no word' }]);
  }
  const index = new Map(model.vocabulary.map((token, id) => [token, id]));
  const unknown = [...new Set(start.filter((token) => !index.has(token)))];
  if (unknown.length > 0) {
    throw new RequestValidationError([
      {
        path: 'start',
        message: `not in the corpus's vocabulary: ${unknown
          .slice(0, 10)
          .map((t) => `'${t}'`)
          .join(', ')}`,
      },
    ]);
  }
  const history = start.map((token) => index.get(token) as number);
  const uniform = seededUniform(options.seed);
  for (let i = 0; i < options.length; i++) {
    const next = pick(nextWeights(model, history), options.temperature, uniform);
    if (next === undefined) break;
    history.push(next);
  }
  const tokens = history.map((id) => model.vocabulary[id] as string);
  return { text: detokenize(tokens), tokens };
}
