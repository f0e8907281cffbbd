import { composeChat } from '../../shared/app/chat';
import { ChatRequest } from '../../shared/chat/schema';
import { apiKeyAccess } from '../../shared/http/access-declaration';
import { httpFunction } from '../../shared/http/http-function';
import { routeCaller } from '../../shared/http/route-dispatcher';
import { screened } from '../../shared/http/safety-declaration';
import { IN_PROCESS_ROUTES } from './in-process-routes';

/** POST /chat: routes a message to the capability that should answer it, runs it, and says why. */
export const { handler, create } = httpFunction({
  name: 'chat',
  access: apiKeyAccess,
  safety: screened({ input: ['message'], output: ['reply'] }),
  body: ChatRequest,
  compose: (base) => composeChat(base, { inProcess: IN_PROCESS_ROUTES }),
  warmUp: (deps) => deps.runtime.load('embeddings'),
  handle: async ({ body, event, context, requestId }, deps) => ({
    body: await deps.chat.turn(body, {
      callRoute: routeCaller(deps.dispatcher, { event, context, requestId }),
      requestId,
    }),
  }),
});
