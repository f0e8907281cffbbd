/**
 * One ingestion of a generated English document of the given size with the tiny embedder into FAISS on the
 * local BlobStore, run in a process of its own so that its peak memory is its own: prints one JSON line.
 *
 * Usage: node --import tsx --trace-gc scripts/bench/ingest-document.ts <characters> <modelRoot>
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDependencies } from '../../shared/app/dependencies';
import { loadConfig } from '../../shared/config/environment';
import { silentLogger } from '../../test/helpers/dependencies';
import { englishDocument } from '../../test/helpers/english-text';
import type { IngestDocumentResult } from './ingest-size';

const characters = Number(process.argv[2]);
const modelRoot = process.argv[3] as string;
const deps = createDependencies(
  loadConfig({
    ...process.env,
    MODEL_PROFILE: 'tiny',
    MODEL_ROOT: modelRoot,
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'bench-data-')),
    CHROMA_URL: '',
    PINECONE_API_KEY: '',
    PINECONE_INDEX_HOST: '',
  }),
  { logger: silentLogger() },
);
await deps.documents.ingest({
  documentId: 'warmup',
  content: englishDocument(2_000),
  contentType: 'text/plain',
});
const content = englishDocument(characters);
const started = performance.now();
const { chunks } = await deps.documents.ingest({ documentId: 'large', content, contentType: 'text/plain' });
const result: IngestDocumentResult = {
  characters: content.length,
  chunks,
  seconds: (performance.now() - started) / 1000,
  peakRssMiB: process.resourceUsage().maxRSS / 1024,
};
await deps.runtime.dispose();
console.log(JSON.stringify(result));
