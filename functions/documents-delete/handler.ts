import { composeDocumentWriters } from '../../shared/app/document-ingestion';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { type DeleteDocumentResponse, DocumentId } from '../../shared/rag/schema';
import * as z from '../../shared/schema';

/** DELETE /documents/{id}: marks the document deleted in the registry, then removes its chunks from every store. */
export const { handler, create: createHandler } = httpFunction({
  name: 'documents-delete',
  access: apiKeyAccess,
  params: z.object({ id: DocumentId }),
  compose: composeDocumentWriters,
  handle: async ({ params }, { documents }) => {
    await documents.remove(params.id);
    const body: DeleteDocumentResponse = { document_id: params.id, deleted: true };
    return { body };
  },
});
