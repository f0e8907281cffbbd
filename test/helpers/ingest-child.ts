/**
 * A writer process for crash tests: ingests the documents given as JSON in INGEST_DOCUMENTS, one after the
 * other, into FAISS on a local BlobStore (DATA_DIR), stopping for good at PAUSE_AT (a PausePoint as JSON)
 * so that the test can SIGKILL it there. Prints DONE when every document is in.
 */

import { createDependencies } from '../../shared/app/dependencies';
import { loadConfig } from '../../shared/config/environment';
import * as z from '../../shared/schema';
import { createLocalBlobStore } from '../../shared/storage/local-blob-store';
import { silentLogger } from './dependencies';
import { pausingBlobStore } from './pausing-blob-store';

const PausePoint = z.object({
  key: z.string(),
  occurrence: z.number().check(z.int()),
  when: z.enum(['before', 'after']),
});
const Documents = z.array(z.object({ id: z.string(), text: z.string() }));

const config = loadConfig();
const point = process.env.PAUSE_AT ? PausePoint.parse(JSON.parse(process.env.PAUSE_AT)) : undefined;
const blobs = pausingBlobStore(createLocalBlobStore({ root: config.rag.dataDir }), point);
const deps = createDependencies(config, { logger: silentLogger(), blobs });
const documents = Documents.parse(JSON.parse(process.env.INGEST_DOCUMENTS ?? '[]'));
for (const document of documents) {
  await deps.documents.ingest({ documentId: document.id, content: document.text, contentType: 'text/plain' });
}
process.stdout.write('DONE\n');
await deps.runtime.dispose();
