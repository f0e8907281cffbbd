import { composeDocumentRecords } from '../../shared/app/documents';
import { httpFunction } from '../../shared/http/http-function';

/** GET /documents: every committed document with its version and chunk count, newest first. */
export const { handler, create: createHandler } = httpFunction({
  name: 'documents-list',
  compose: (base) => ({ ...base, registry: composeDocumentRecords(base).registry }),
  handle: async (_request, { registry }) => {
    const documents = (await registry.list()).sort((a, b) => b.ingestedAt.localeCompare(a.ingestedAt));
    return { body: { documents, count: documents.length } };
  },
});
