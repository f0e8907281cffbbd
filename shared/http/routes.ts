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
];

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
