/**
 * Chunks a large generated document with the tiny embedder's own tokenizer, as ingestion does, and prints
 * what it took as JSON. Run in a child process with a small heap (`--max-old-space-size`) to show that
 * chunking needs memory proportional to a chunk, not to the document.
 *
 * Usage: node --max-old-space-size=96 --import tsx test/helpers/chunk-large-text.ts <characters>
 */
import path from 'node:path';
import { AutoTokenizer, env, type Tensor } from '@huggingface/transformers';
import { MODEL_CATALOG } from '../../shared/models/catalog';
import { chunkBySentences } from '../../shared/text/sentence-chunker';
import { englishDocument } from './english-text';

const characters = Number(process.argv[2] ?? 1_000_000);
env.allowRemoteModels = false;
env.localModelPath = `${path.resolve(process.env.MODEL_ROOT ?? '.tmp/test-models')}/`;
const tokenizer = await AutoTokenizer.from_pretrained(MODEL_CATALOG.embeddings.tiny.id);
const countTokens = (text: string) => (tokenizer(text).input_ids as Tensor).dims.at(-1) ?? 0;

const text = englishDocument(characters);
const started = performance.now();
const chunks = chunkBySentences(text, 200, countTokens, { overlapTokens: 40 });
const ms = performance.now() - started;
let longest = 0;
for (const chunk of chunks) longest = Math.max(longest, countTokens(chunk));
console.log(
  JSON.stringify({
    characters: text.length,
    chunks: chunks.length,
    longestChunkTokens: longest,
    ms: Math.round(ms),
    heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
  }),
);
