/** Every HTTP route the suite serves; serverless.yml declares the same set (a test keeps them in step). */
export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly functionName: string;
}

export const ROUTES: readonly RouteSpec[] = [
  { method: 'GET', path: '/health', functionName: 'health' },
  { method: 'GET', path: '/metrics', functionName: 'metrics' },
  { method: 'POST', path: '/hello-llm', functionName: 'helloLlm' },
  { method: 'POST', path: '/summarize', functionName: 'summarize' },
  { method: 'POST', path: '/sentiment', functionName: 'sentiment' },
  { method: 'POST', path: '/embed', functionName: 'embed' },
  { method: 'POST', path: '/caption-image', functionName: 'captionImage' },
  { method: 'POST', path: '/qa-image-text', functionName: 'qaImageText' },
  { method: 'POST', path: '/generate-image', functionName: 'generateImage' },
  { method: 'GET', path: '/jobs/{id}', functionName: 'getJob' },
  { method: 'GET', path: '/jobs/{id}/images/{index}', functionName: 'getJobImage' },
  { method: 'POST', path: '/documents', functionName: 'ingestDocument' },
  { method: 'GET', path: '/documents', functionName: 'listDocuments' },
  { method: 'DELETE', path: '/documents/{id}', functionName: 'deleteDocument' },
  { method: 'POST', path: '/rag-query', functionName: 'ragQuery' },
  { method: 'POST', path: '/rag-faiss-query', functionName: 'ragFaissQuery' },
  { method: 'POST', path: '/chat', functionName: 'chat' },
  { method: 'DELETE', path: '/chat/{session_id}', functionName: 'forgetChat' },
  { method: 'POST', path: '/researcher', functionName: 'researcher' },
  { method: 'POST', path: '/ngram/train', functionName: 'ngramTrain' },
  { method: 'POST', path: '/generate', functionName: 'ngramGenerate' },
  { method: 'POST', path: '/qa', functionName: 'qa' },
  { method: 'POST', path: '/similar', functionName: 'similar' },
  { method: 'POST', path: '/classify-image', functionName: 'classifyImage' },
  { method: 'POST', path: '/gan/generate', functionName: 'ganGenerate' },
  { method: 'POST', path: '/diffusion/generate', functionName: 'diffusionGenerate' },
  { method: 'POST', path: '/ebm/generate', functionName: 'ebmGenerate' },
  { method: 'POST', path: '/v1/chat/completions', functionName: 'v1ChatCompletions' },
  { method: 'POST', path: '/v1/completions', functionName: 'v1Completions' },
  { method: 'POST', path: '/v1/embeddings', functionName: 'v1Embeddings' },
  { method: 'GET', path: '/v1/models', functionName: 'v1Models' },
  { method: 'GET', path: '/openapi.json', functionName: 'openApi' },
  { method: 'GET', path: '/docs', functionName: 'apiDocs' },
  { method: 'GET', path: '/docs/{file}', functionName: 'apiDocs' },
];

/**
 * Routes that also answer `"stream": true`, as server-sent events: deployed on the `stream` function's URL
 * (Lambda response streaming), locally on the server's own port (functions/stream/handler.ts serves them).
 */
export const STREAMING_PATHS = ['/v1/chat/completions', '/v1/completions', '/hello-llm'] as const;

/** Methods served on `path`, matching `{param}` segments against any single segment. */
export function allowedMethods(path: string): string[] {
  const segments = path.split('/');
  return ROUTES.filter((route) => {
    const pattern = route.path.split('/');
    return (
      pattern.length === segments.length && pattern.every((p, i) => p.startsWith('{') || p === segments[i])
    );
  }).map((route) => route.method);
}
