/**
 * The routes /chat can call in-process (local runs and tests), each imported on first use: a route's
 * module composes itself once, as its own Lambda container would. A route missing here answers 503
 * `route_unavailable`; registering one is one line.
 */
import type { HandlerLoaders } from '../../shared/http/route-dispatcher';

export const IN_PROCESS_ROUTES: HandlerLoaders = {
  llm: () => import('../hello-llm/handler'),
  rag: () => import('../rag-query/handler'),
  'rag-faiss': () => import('../rag-faiss-query/handler'),
  image: () => import('../generate-image/handler'),
  caption: () => import('../caption-image/handler'),
  vqa: () => import('../qa-image-text/handler'),
  summarize: () => import('../summarize/handler'),
  sentiment: () => import('../sentiment/handler'),
  researcher: () => import('../researcher/handler'),
};
