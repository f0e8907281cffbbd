import { composeDocumentRecords } from '../../shared/app/document-records';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { type DocumentListResponse, documentView } from '../../shared/rag/schema';

/** GET /documents: every committed document with its version and chunk count, newest first. */
export const { handler, create: createHandler } = httpFunction({
  name: 'documents-list',
  access: apiKeyAccess,
  compose: (base) => ({ ...base, registry: composeDocumentRecords(base).registry }),
  handle: async (_request, { registry }) => {
    const records = (await registry.list()).sort((a, b) => b.ingestedAt.localeCompare(a.ingestedAt));
    const body: DocumentListResponse = { documents: records.map(documentView), count: records.length };
    return { body };
  },
});
