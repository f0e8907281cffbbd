/** The n-gram service of /ngram/train and /generate: its models live beside the documents (DATA_DIR or the bucket). */
import { createNgramService, type NgramService } from '../ngram/ngram-service';
import { PROJECT_DOCS_TEXT } from '../ngram/project-docs-text';
import type { BlobStore } from '../storage/blob-store';
import type { BaseDependencies } from './base';
import { composeDocumentBlobs } from './document-blobs';

export function composeNgram(
  { config }: BaseDependencies,
  blobs: BlobStore = composeDocumentBlobs(config),
): NgramService {
  return createNgramService({ blobs, projectDocs: () => PROJECT_DOCS_TEXT });
}
