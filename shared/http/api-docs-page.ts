/**
 * The API reference page: Swagger UI from its npm package (`swagger-ui-dist`, shipped in the runtime layer
 * deployed), reading `/openapi.json`. No file comes from a CDN: the page loads its script and styles from
 * `/docs/` beside it.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { NotFoundError } from '../errors';

/** The files of the package the page loads, and their media types. */
export const API_DOCS_ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
};

export function apiDocsHtml(specUrl: string, assetsUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>genai-endpoints API reference</title>
<link rel="stylesheet" href="${assetsUrl}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${assetsUrl}/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({ url: ${JSON.stringify(specUrl)}, dom_id: '#swagger-ui', deepLinking: true, docExpansion: 'list' });
</script>
</body>
</html>
`;
}

let packageDir: string | undefined;

/** One of the page's files, read from the installed package. */
export async function apiDocsAsset(name: string): Promise<{ body: string; contentType: string }> {
  const contentType = API_DOCS_ASSETS[name];
  if (!contentType)
    throw new NotFoundError(`No file ${name} under /docs; use ${Object.keys(API_DOCS_ASSETS).join(', ')}`);
  packageDir ??= path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  return { body: await readFile(path.join(packageDir, name), 'utf8'), contentType };
}
