/**
 * Trains n-gram models from users' texts and samples from them. A model is one JSON object in the blob
 * store per corpus, written whole, so re-training replaces it atomically (a reader sees the old model or
 * the new one). The suite's own corpus is trained from its documentation the first time it is used.
 */
import { randomInt } from 'node:crypto';
import { NotFoundError, PreconditionFailedError } from '../errors';
import * as z from '../schema';
import type { BlobStore } from '../storage/blob-store';
import { generateFromNgram, type NgramModel, trainNgramModel } from './ngram-model';
import {
  type CorpusSummary,
  type NgramGeneration,
  PROJECT_DOCS_CORPUS,
  type Smoothing,
  Smoothing as SmoothingSchema,
} from './schema';

const StoredNgramModel = z.object({
  version: z.literal(1),
  n: z.union([z.literal(2), z.literal(3)]),
  smoothing: SmoothingSchema,
  vocabulary: z.array(z.string()),
  counts: z.array(z.record(z.string(), z.record(z.string(), z.number()))),
  tokens: z.number(),
});

export interface NgramService {
  train(corpusId: string, text: string, options: { n: 2 | 3; smoothing: Smoothing }): Promise<CorpusSummary>;
  generate(request: {
    corpusId?: string | undefined;
    start: string;
    length: number;
    temperature: number;
    seed?: number | undefined;
  }): Promise<NgramGeneration>;
}

const summaryOf = (corpusId: string, model: NgramModel): CorpusSummary => ({
  corpus_id: corpusId,
  n: model.n,
  smoothing: model.smoothing,
  tokens: model.tokens,
  vocabulary_size: model.vocabulary.length,
  contexts: Object.keys(model.counts[model.n - 1] ?? {}).length,
});

/** Where the trained models are kept in the blob store. */
export const NGRAM_PREFIX = 'ngram/';

export function createNgramService(options: {
  blobs: BlobStore;
  /** Folder of the models in the blob store. */
  prefix?: string;
  /** The text the suite's own corpus is trained from. */
  projectDocs: () => string;
}): NgramService {
  const prefix = options.prefix ?? NGRAM_PREFIX;
  const keyOf = (corpusId: string) => `${prefix}${corpusId}.json`;

  async function read(corpusId: string): Promise<NgramModel | undefined> {
    const stored = await options.blobs.get(keyOf(corpusId));
    if (!stored) return undefined;
    return StoredNgramModel.parse(JSON.parse(stored.body.toString('utf8')));
  }

  async function projectDocsModel(): Promise<NgramModel> {
    const stored = await read(PROJECT_DOCS_CORPUS);
    if (stored) return stored;
    const model = trainNgramModel(options.projectDocs(), { n: 2, smoothing: 'none' });
    // Two first uses may race: the model is the same, so whichever write lands is kept.
    await options.blobs
      .put(keyOf(PROJECT_DOCS_CORPUS), JSON.stringify(model), {
        ifNoneMatch: '*',
        contentType: 'application/json',
      })
      .catch((error: unknown) => {
        if (!(error instanceof PreconditionFailedError)) throw error;
      });
    return model;
  }

  return {
    async train(corpusId, text, trainOptions) {
      const model = trainNgramModel(text, trainOptions);
      await options.blobs.put(keyOf(corpusId), JSON.stringify(model), { contentType: 'application/json' });
      return summaryOf(corpusId, model);
    },

    async generate({
      corpusId = PROJECT_DOCS_CORPUS,
      start,
      length,
      temperature,
      seed = randomInt(2 ** 32),
    }) {
      const model = corpusId === PROJECT_DOCS_CORPUS ? await projectDocsModel() : await read(corpusId);
      if (!model) {
        throw new NotFoundError(`no corpus '${corpusId}': train it first with POST /ngram/train`);
      }
      const generated = generateFromNgram(model, { start, length, temperature, seed });
      return {
        corpus_id: corpusId,
        text: generated.text,
        tokens: [...generated.tokens],
        seed,
        n: model.n,
        smoothing: model.smoothing,
      };
    },
  };
}
