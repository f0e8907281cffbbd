import { composeChatSessions } from '../../shared/app/chat';
import { composeDocumentBlobs } from '../../shared/app/document-blobs';
import { SessionId } from '../../shared/chat/session-store';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';
import * as z from '../../shared/schema';

/** DELETE /chat/{session_id}: forgets a chat session's memory (200 whether or not there was one). */
export const { handler, create } = httpFunction({
  name: 'chat-forget',
  access: apiKeyAccess,
  params: z.object({ session_id: SessionId }),
  compose: (base) => ({
    ...base,
    sessions: composeChatSessions(base.config, composeDocumentBlobs(base.config)),
  }),
  handle: async ({ params }, deps) => ({
    body: { session_id: params.session_id, deleted: await deps.sessions.forget(params.session_id) },
  }),
});
