import { englishDocument } from '../../test/helpers/english-text';
import { faissOnlyDependencies } from './bench-dependencies';
import type { IngestDocumentResult } from './ingest-size';

const characters = Number(process.argv[2]);
const modelRoot = process.argv[3] as string;
const deps = faissOnlyDependencies(modelRoot);
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
