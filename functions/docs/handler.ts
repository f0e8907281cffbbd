import { apiDocsAsset, apiDocsHtml } from '../../shared/http/api-docs-page';
import { httpFunction } from '../../shared/http/http-function';
import { publicBaseUrl } from '../../shared/http/request-route';
import * as z from '../../shared/schema';

/** GET /docs and GET /docs/{file}: the API reference page, and its script and styles from their package. */
export const { handler, create: createHandler } = httpFunction({
  name: 'docs',
  access: 'open',
  params: z.object({ file: z.optional(z.string().check(z.maxLength(100))) }),
  compose: (base) => base,
  handle: async ({ event, params }) => {
    const base = publicBaseUrl(event);
    if (!params.file) {
      return {
        statusCode: 200,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: apiDocsHtml(`${base}/openapi.json`, `${base}/docs`),
      };
    }
    const asset = await apiDocsAsset(params.file);
    return {
      statusCode: 200,
      headers: { 'content-type': asset.contentType, 'cache-control': 'public, max-age=86400' },
      body: asset.body,
    };
  },
});
