/**
 * One route's true-size cold start and warm figures, in a fresh process as a Lambda container would be:
 * the function's models copied from the (local) model bucket into a /tmp-like cache through the suite's own
 * model bucket, loaded by its model runtime at the thread count Lambda's vCPUs allow, then the route's
 * service called once (the first call) and again (warm). Prints one JSON line (`ProbeResult`).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Tensor } from '@huggingface/transformers';
import { type AppDependencies, createDependencies } from '../../shared/app/dependencies';
import { composeModelBucket } from '../../shared/app/model-bucket';
import { loadConfig } from '../../shared/config/environment';
import { GenerateTextRequest } from '../../shared/generation/schema';
import { MODEL_CATALOG, type ModelKey } from '../../shared/models/catalog';
import * as z from '../../shared/schema';
import { MAX_SUMMARY_TEXT_CHARS, SummarizeRequest } from '../../shared/summarization/schema';
import { checkImage } from '../../shared/vision/image-input';
import { silentLogger } from '../../test/helpers/dependencies';
import { englishDocument } from '../../test/helpers/english-text';
import { gradient } from '../../test/helpers/images';
import { folderBytes } from '../tiny-models/generate';
import { PIPELINE_ARCHITECTURES } from '../true-size-models/configs';
import { type LatencySummary, summarize } from './stats';
import { causalGenerationMacs, crossDecoderMacs, encoderMacs, vitMacs } from './true-size-macs';

export const PROBES = ['hello-llm', 'summarize', 'sentiment', 'embed', 'caption-image', 'documents'] as const;
export type Probe = (typeof PROBES)[number];

/** The catalog models each probe's function loads. */
export const PROBE_MODELS: Record<Probe, readonly ModelKey[]> = {
  'hello-llm': ['text-generation'],
  summarize: ['summarization'],
  sentiment: ['sentiment'],
  embed: ['embeddings'],
  'caption-image': ['captioning'],
  documents: ['embeddings', 'text-generation'],
};

/** A latency; JSON writes the NaN of an empty sample as null. */
const Ms = z.pipe(
  z.nullable(z.number()),
  z.transform((v: number | null) => v ?? Number.NaN),
);

export const ProbeRow = z.object({
  name: z.string(),
  firstMs: z.number(),
  warm: z.object({ n: z.number(), medianMs: Ms, p95Ms: Ms, meanMs: Ms }),
  /** Multiply-adds of one call, when the architecture says. */
  macs: z.optional(z.number()),
  /** A total over several calls rather than one call. */
  total: z.optional(z.boolean()),
});
export type ProbeRow = z.output<typeof ProbeRow>;

export const ProbeResult = z.object({
  probe: z.enum(PROBES),
  threads: z.number(),
  fetchMs: z.number(),
  fetchedBytes: z.number(),
  loadMs: z.number(),
  rows: z.array(ProbeRow),
  peakRssMiB: z.number(),
});
export type ProbeResult = z.output<typeof ProbeResult>;

export const ProbeInput = z.object({
  probe: z.enum(PROBES),
  threads: z.number().check(z.int(), z.positive()),
  modelS3Uri: z.string(),
  s3Endpoint: z.string(),
  iterations: z.number().check(z.int(), z.positive()),
  /** The largest text /summarize accepts (its first call and `largestIterations` warm calls). */
  summaryChars: z._default(z.number().check(z.int(), z.positive()), MAX_SUMMARY_TEXT_CHARS),
  largestIterations: z._default(z.number().check(z.int(), z.nonnegative()), 1),
});
export type ProbeInput = z.output<typeof ProbeInput>;

const ARTICLE_WORDS = 600;
/** About `words` words of prose. */
const article = (words: number) =>
  englishDocument(words * 6)
    .split(/\s+/)
    .slice(0, words)
    .join(' ');

async function measure(
  name: string,
  call: () => Promise<unknown>,
  iterations: number,
  macs?: (result: unknown) => number,
): Promise<ProbeRow> {
  let started = performance.now();
  const first = await call();
  const firstMs = performance.now() - started;
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    started = performance.now();
    await call();
    samples.push(performance.now() - started);
  }
  const warm: LatencySummary = summarize(samples);
  return { name, firstMs, warm, ...(macs ? { macs: macs(first) } : {}) };
}

/** Token count of `texts` padded to the longest, as one batch is run. */
async function paddedTokens(deps: AppDependencies, key: 'sentiment' | 'embeddings', texts: string[]) {
  const { pipeline } = await deps.runtime.load(key);
  const ids = pipeline.tokenizer(texts, { padding: true, truncation: true }).input_ids as Tensor;
  return ids.dims.at(-1) ?? 0;
}

async function rowsOf(deps: AppDependencies, input: ProbeInput): Promise<ProbeRow[]> {
  const n = input.iterations;
  const arch = PIPELINE_ARCHITECTURES;
  switch (input.probe) {
    case 'hello-llm': {
      const request = GenerateTextRequest.parse({ prompt: article(30), max_new_tokens: 50 });
      return [
        await measure(
          '50 new tokens',
          () => deps.textGeneration.generate(request),
          n,
          (r) => {
            const { usage } = r as Awaited<ReturnType<typeof deps.textGeneration.generate>>;
            return causalGenerationMacs(
              arch['text-generation'].size,
              50257,
              usage.prompt_tokens,
              usage.completion_tokens,
            );
          },
        ),
      ];
    }
    case 'summarize': {
      // min_length = max_length: random weights would end early only by chance, so the token count is fixed.
      const summaryTokens = 142;
      const request = (text: string) =>
        SummarizeRequest.parse({ text, max_length: summaryTokens, min_length: summaryTokens });
      const { pipeline } = await deps.runtime.load('summarization');
      const count = (text: string) => (pipeline.tokenizer(text).input_ids as Tensor).dims.at(-1) ?? 0;
      const text = article(ARTICLE_WORDS);
      const size = arch.summarization.size;
      const articleRow = await measure(
        `${ARTICLE_WORDS}-word article`,
        () => deps.summarization.summarize(request(text)),
        n,
        () => encoderMacs(size, count(text)) + crossDecoderMacs(size, 50265, count(text), summaryTokens),
      );
      const largest = englishDocument(input.summaryChars).slice(0, input.summaryChars);
      let shape = '';
      const largestRow = await measure(
        `largest accepted (${largest.length.toLocaleString('en')} chars)`,
        async () => {
          const result = await deps.summarization.summarize(request(largest));
          shape = `${result.chunks} chunks, ${result.rounds} rounds`;
        },
        input.largestIterations,
      );
      return [articleRow, { ...largestRow, name: `${largestRow.name}: ${shape}` }];
    }
    case 'sentiment': {
      const rows: ProbeRow[] = [];
      for (const count of [1, 64]) {
        const texts = Array.from({ length: count }, (_, i) => article(40 + (i % 5) * 4));
        const tokens = await paddedTokens(deps, 'sentiment', texts);
        rows.push(
          await measure(
            `${count} text${count > 1 ? 's' : ''}`,
            () => deps.sentiment.classify(texts),
            n,
            () => count * encoderMacs(arch.sentiment.size, tokens),
          ),
        );
      }
      return rows;
    }
    case 'embed': {
      const texts = Array.from({ length: 32 }, (_, i) => article(40 + (i % 5) * 4));
      const tokens = await paddedTokens(deps, 'embeddings', texts);
      return [
        await measure(
          '32 texts',
          () => deps.embeddings.embed(texts),
          n,
          () => 32 * encoderMacs(arch.embeddings.size, tokens),
        ),
      ];
    }
    case 'caption-image': {
      const image = await checkImage(await gradient('jpeg', 640, 480), deps.config.images);
      const { pipeline } = await deps.runtime.load('captioning');
      const vision = arch.captioning.vision;
      if (!vision) throw new Error('the captioning architecture has no vision encoder');
      return [
        await measure(
          'one 640×480 photo, ≤ 20 tokens',
          () => deps.captioning.caption(image),
          n,
          (r) => {
            const { caption } = r as { caption: string };
            const tokens = ((pipeline.tokenizer(caption).input_ids as Tensor).dims.at(-1) ?? 0) + 1;
            const patches = (vision.image / vision.patch) ** 2 + 1;
            return (
              vitMacs(vision) +
              crossDecoderMacs(arch.captioning.size, 50257, patches, tokens, { crossEveryStep: true })
            );
          },
        ),
      ];
    }
    case 'documents': {
      const documents = Array.from({ length: 100 }, (_, i) => `${article(ARTICLE_WORDS)} Document ${i}.`);
      let next = 0;
      const ingest = () =>
        deps.documents.ingest({
          documentId: `doc-${next}`,
          content: documents[next++ % documents.length] as string,
          contentType: 'text/plain',
        });
      // The first call, then 99 more: the 100 documents, each timed.
      const ingestion = await measure(`ingest one ${ARTICLE_WORDS}-word document (of 100)`, ingest, 99);
      let started = performance.now();
      const store = deps.vectorStores.faiss();
      const question = { question: 'What did the keeper write in the log?', topK: 4, store };
      await deps.rag.answer(question);
      const firstMs = performance.now() - started;
      const samples: number[] = [];
      for (let i = 0; i < n; i++) {
        started = performance.now();
        await deps.rag.answer(question);
        samples.push(performance.now() - started);
      }
      const total = ingestion.firstMs + ingestion.warm.meanMs * ingestion.warm.n;
      return [
        ingestion,
        { name: '100 documents in all', firstMs: total, warm: summarize([]), total: true },
        { name: '/rag-faiss-query end to end', firstMs, warm: summarize(samples) },
      ];
    }
  }
}

export async function runProbe(input: ProbeInput): Promise<ProbeResult> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `true-size-${input.probe}-`));
  const config = loadConfig({
    ...process.env,
    MODEL_PROFILE: 'standard',
    MODEL_ROOT: path.join(tmp, 'opt-models'),
    MODEL_CACHE_DIR: path.join(tmp, 'models'),
    MODEL_ALLOW_REMOTE: 'false',
    MODEL_S3_URI: input.modelS3Uri,
    MODEL_THREADS: String(input.threads),
    S3_ENDPOINT: input.s3Endpoint,
    DATA_DIR: path.join(tmp, 'data'),
    CHROMA_URL: '',
    PINECONE_API_KEY: '',
    PINECONE_INDEX_HOST: '',
    RAG_STORE: '',
  });
  const bucket = composeModelBucket(config);
  if (!bucket) throw new Error('no model bucket configured');
  const keys = PROBE_MODELS[input.probe];
  let started = performance.now();
  let fetchedBytes = 0;
  for (const key of keys) {
    const dir = path.join(config.modelCacheDir, MODEL_CATALOG[key].standard.id);
    await bucket.download(MODEL_CATALOG[key].standard.id, dir);
    fetchedBytes += await folderBytes(dir);
  }
  const fetchMs = performance.now() - started;
  const deps = createDependencies(config, { logger: silentLogger() });
  started = performance.now();
  for (const key of keys) await deps.runtime.load(key);
  const loadMs = performance.now() - started;
  const rows = await rowsOf(deps, input);
  const result: ProbeResult = {
    probe: input.probe,
    threads: input.threads,
    fetchMs,
    fetchedBytes,
    loadMs,
    rows,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  await deps.runtime.dispose();
  return result;
}

if (import.meta.filename === process.argv[1]) {
  const input = ProbeInput.parse(JSON.parse(process.argv[2] ?? '{}'));
  console.log(JSON.stringify(await runProbe(input)));
}
