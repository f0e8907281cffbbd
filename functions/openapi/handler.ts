import { httpFunction } from '../../shared/http/http-function';
import { openApiDocument } from '../../shared/http/openapi-document';
import { publicBaseUrl } from '../../shared/http/request-route';

/** GET /openapi.json: the OpenAPI 3.1 document, generated from the schemas that validate every route. */
export const { handler, create: createHandler } = httpFunction({
  name: 'openapi',
  access: 'open',
  // Generated once per container, at its cold start.
  compose: (base) => ({ ...base, document: openApiDocument() }),
  handle: async ({ event }, { document, config }) => ({
    body: {
      ...document,
      servers: [
        { url: publicBaseUrl(event), description: 'this API' },
        ...(config.streamingUrl ? [{ url: config.streamingUrl, description: 'the streaming URL' }] : []),
      ],
    },
  }),
});
