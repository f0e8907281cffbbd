/**
 * Builders for tokenizer.json files in the Hugging Face tokenizers format: the standard models' own byte-level
 * BPE (GPT-2, BART) and WordPiece (BERT) vocabularies, so that a tiny model counts tokens exactly as its
 * standard model does, and small byte-level BPEs trained on a short corpus for the components whose real
 * vocabularies no package here ships (CLIP, T5).
 */
import { type BpeVocabulary, bertVocabulary, type Vocab } from './standard-vocabularies';

const TRAINING_CORPUS = `the quick brown fox jumps over the lazy dog. hello world, this is a tiny model for testing.
once upon a time there was a small test that ran offline. the model is random but the pipeline is real.
we generate the weights and the tokenizer ourselves and load them from a local folder.
this product is great and i love it. the service was terrible and the food was bad.
summaries of long documents are made of sentences, and every sentence ends with a period.`;

export interface TokenizerFiles {
  readonly json: Record<string, unknown>;
  readonly vocab: Vocab;
  readonly vocabSize: number;
}

export interface ByteLevelTokenizer extends TokenizerFiles {
  /** Ids of word-like tokens, useful to bias tiny models towards readable output. */
  readonly mergedIds: number[];
  /** Ids of tokens with bytes outside printable ASCII (control bytes, UTF-8 fragments). */
  readonly unprintableIds: number[];
}

/** GPT-2's reversible byte -> printable unicode mapping. */
function bytesToUnicode(): Map<number, string> {
  const printable: number[] = [];
  for (let i = 33; i <= 126; i++) printable.push(i);
  for (let i = 161; i <= 172; i++) printable.push(i);
  for (let i = 174; i <= 255; i++) printable.push(i);
  const codes = [...printable];
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (!printable.includes(b)) {
      printable.push(b);
      codes.push(256 + extra++);
    }
  }
  return new Map(printable.map((b, i) => [b, String.fromCharCode(codes[i] ?? 0)]));
}

/** Learns `numMerges` BPE merges GPT-2 style (words carry their leading space as 'Ġ'). */
function trainMerges(corpus: string, numMerges: number, byteMap: Map<number, string>): string[] {
  const encoder = new TextEncoder();
  const wordCounts = new Map<string, number>();
  for (const word of corpus.match(/ ?[a-z]+| ?[^\sa-z]+|\s+/g) ?? []) {
    const key = [...encoder.encode(word)].map((b) => byteMap.get(b)).join('\u0001');
    wordCounts.set(key, (wordCounts.get(key) ?? 0) + 1);
  }
  let sequences = [...wordCounts].map(([key, count]) => ({ symbols: key.split('\u0001'), count }));
  const merges: string[] = [];
  for (let m = 0; m < numMerges; m++) {
    const pairCounts = new Map<string, number>();
    for (const { symbols, count } of sequences) {
      for (let i = 0; i < symbols.length - 1; i++) {
        const pair = `${symbols[i]} ${symbols[i + 1]}`;
        pairCounts.set(pair, (pairCounts.get(pair) ?? 0) + count);
      }
    }
    let best: string | undefined;
    let bestCount = 1;
    for (const [pair, count] of pairCounts) {
      if (count > bestCount) {
        best = pair;
        bestCount = count;
      }
    }
    if (!best) break;
    merges.push(best);
    const [a, b] = best.split(' ');
    sequences = sequences.map(({ symbols, count }) => {
      const merged: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        const current = symbols[i] as string;
        if (i < symbols.length - 1 && current === a && symbols[i + 1] === b) {
          merged.push(current + b);
          i++;
        } else merged.push(current);
      }
      return { symbols: merged, count };
    });
  }
  return merges;
}

const addedToken = (id: number, content: string) => ({
  id,
  content,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized: false,
  special: true,
});

function byteLevelJson(
  vocab: Vocab,
  merges: string[],
  specials: readonly string[],
  postProcessor: Record<string, unknown> | undefined,
): Record<string, unknown> {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((s) => addedToken(vocab[s] as number, s)),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: postProcessor ?? {
      type: 'ByteLevel',
      add_prefix_space: true,
      trim_offsets: false,
      use_regex: true,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}

/**
 * A byte-level BPE tokenizer trained on a short corpus. `specials` take ids 0..k-1 (`<pad> </s> <unk>`), or the
 * last ids when `specialsLast` (`<|endoftext|>`).
 */
export function byteLevelBpe(options: {
  numMerges?: number;
  specials: string[];
  specialsLast: boolean;
  postProcessor?: Record<string, unknown>;
}): ByteLevelTokenizer {
  const byteMap = bytesToUnicode();
  const merges = trainMerges(TRAINING_CORPUS, options.numMerges ?? 120, byteMap);
  const tokens = [...new Set([...byteMap.values(), ...merges.map((m) => m.replace(' ', ''))])];
  const all = options.specialsLast ? [...tokens, ...options.specials] : [...options.specials, ...tokens];
  const vocab: Vocab = Object.fromEntries(all.map((t, i) => [t, i]));
  const idOf = (token: string) => vocab[token] as number;
  const unprintableIds = [...byteMap]
    .filter(([byte]) => byte < 0x20 || byte > 0x7e)
    .map(([, token]) => idOf(token));
  return {
    json: byteLevelJson(vocab, merges, options.specials, options.postProcessor),
    vocab,
    vocabSize: all.length,
    mergedIds: merges.map((m) => idOf(m.replace(' ', ''))),
    unprintableIds,
  };
}

/**
 * A standard model's byte-level BPE (GPT-2's or BART's, see standard-vocabularies) with `specials` as its added
 * tokens. Word-like tokens (a space then letters) and tokens with unprintable bytes are listed for the logit
 * bias.
 */
export function standardByteLevelBpe(options: {
  vocabulary: BpeVocabulary;
  specials: string[];
  postProcessor?: Record<string, unknown>;
}): ByteLevelTokenizer {
  const { vocab, merges } = options.vocabulary;
  const unicodeToByte = new Map([...bytesToUnicode()].map(([byte, char]) => [char, byte]));
  const specials = new Set(options.specials);
  const mergedIds: number[] = [];
  const unprintableIds: number[] = [];
  for (const [token, id] of Object.entries(vocab)) {
    if (specials.has(token)) continue;
    const bytes = [...token].map((c) => unicodeToByte.get(c));
    if (bytes.some((b) => b === undefined || b < 0x20 || b > 0x7e)) unprintableIds.push(id);
    else if (/^\u0120[a-z]{2,}$/.test(token)) mergedIds.push(id);
  }
  return {
    json: byteLevelJson(vocab, merges, options.specials, options.postProcessor),
    vocab,
    vocabSize: Object.keys(vocab).length,
    mergedIds,
    unprintableIds,
  };
}

/**
 * A logit bias that makes greedy decoding of a random model read like words: merged tokens up, unprintable
 * bytes (which decode to U+FFFD or control characters) effectively never.
 */
export function readableLogitBias(tokenizer: ByteLevelTokenizer): Float32Array {
  const bias = new Float32Array(tokenizer.vocabSize);
  for (const id of tokenizer.mergedIds) bias[id] = 4;
  for (const id of tokenizer.unprintableIds) bias[id] = -100;
  return bias;
}

export interface WordPieceTokenizer extends TokenizerFiles {
  readonly config: Record<string, unknown>;
}

/** bert-base-uncased's WordPiece tokenizer (distilbert, all-MiniLM-L6-v2), with its exact vocabulary. */
export function wordPiece(): WordPieceTokenizer {
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const vocab = bertVocabulary();
  const special = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((s) => addedToken(vocab[s] as number, s)),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]')],
      pair: [
        special('[CLS]'),
        { Sequence: { id: 'A', type_id: 0 } },
        special('[SEP]'),
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: Object.fromEntries(
        ['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [vocab[t]], tokens: [t] }]),
      ),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab,
    },
  };
  const config = {
    do_lower_case: true,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
    clean_up_tokenization_spaces: true,
  };
  return { json, config, vocab, vocabSize: Object.keys(vocab).length };
}
