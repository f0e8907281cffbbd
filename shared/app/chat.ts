/**
 * What /chat composes, and nothing more: the router's embedder (its only model), the documents' stores to
 * probe (read-only), the session memory, and the dispatcher that reaches the other routes' functions
 * (Lambda invokes when deployed, their handler modules in-process locally).
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { type ChatService, createChatService } from '../chat/chat-service';
import { createSessionStore, type SessionStore } from '../chat/session-store';
import { CHAT_TARGETS } from '../chat/targets';
import type { AppConfig } from '../config/environment';
import { createEmbeddingService, type EmbeddingService } from '../embeddings/embedding-service';
import {
  createInProcessDispatcher,
  createLambdaDispatcher,
  type HandlerLoaders,
  type RouteDispatcher,
} from '../http/route-dispatcher';
import { ROUTES } from '../http/routes';
import type { ModelRuntime } from '../models/model-runtime';
import type { PipelineFactory } from '../models/pipeline-factory';
import { createCommittedVersions } from '../rag/committed-versions';
import { createDocumentRegistry } from '../rag/document-registry';
import { defaultRouteExamples, type RouteExample } from '../routing/examples';
import { createRetrievalProbe, type RetrievalProbe } from '../routing/retrieval-probe';
import { CHAT_ROUTE_NAMES, type ChatRouteName } from '../routing/route-names';
import { createMessageRouter, type MessageRouter } from '../routing/router';
import { createSemanticRouter } from '../routing/semantic-router';
import type { BlobStore } from '../storage/blob-store';
import type { BaseDependencies } from './base';
import { composeDocumentBlobs } from './document-blobs';
import { composeModelRuntime } from './model-runtime';
import { createVectorStores } from './vector-stores';

/** Where chat sessions live in the documents bucket (or DATA_DIR). */
export const CHAT_SESSIONS_PREFIX = 'chat-sessions/';

export interface ChatDependencies extends BaseDependencies {
  readonly runtime: ModelRuntime;
  readonly embeddings: EmbeddingService;
  readonly router: MessageRouter;
  readonly sessions: SessionStore;
  readonly dispatcher: RouteDispatcher;
  readonly chat: ChatService;
}

/** The deployed function of each chat route: the prefix plus the key serverless.yml gives its route. */
export function chatFunctionNames(prefix: string): Partial<Record<ChatRouteName, string>> {
  return Object.fromEntries(
    CHAT_ROUTE_NAMES.flatMap((name) => {
      const target = CHAT_TARGETS[name];
      const route = ROUTES.find((r) => r.method === target.method && r.path === target.path);
      return route ? [[name, `${prefix}${route.functionName}`]] : [];
    }),
  );
}

/** The document store RAG answers from by default, probed by the router: Chroma or Pinecone, else FAISS. */
function composeRetrievalProbe(config: AppConfig, base: BaseDependencies, blobs: BlobStore): RetrievalProbe {
  const stores = createVectorStores({ config, blobs, logger: base.logger });
  const external = config.rag.defaultStore;
  const committed = createCommittedVersions({
    registry: createDocumentRegistry({ blobs, prefix: config.rag.registryPrefix }),
  });
  return external
    ? createRetrievalProbe({ route: 'rag', store: () => stores.external(external), committed })
    : createRetrievalProbe({ route: 'rag-faiss', store: async () => stores.faiss(), committed });
}

/** The session memory alone (DELETE /chat/{session_id} needs nothing else). */
export function composeChatSessions(
  config: AppConfig,
  blobs: BlobStore,
  countTokens?: () => Promise<(text: string) => number>,
): SessionStore {
  return createSessionStore({
    blobs,
    prefix: CHAT_SESSIONS_PREFIX,
    limits: config.chat.session,
    ...(countTokens ? { countTokens } : {}),
  });
}

export function composeChat(
  base: BaseDependencies,
  options: {
    /** The routes' handler modules, for in-process dispatch. */
    inProcess: HandlerLoaders;
    blobs?: BlobStore;
    createPipeline?: PipelineFactory;
    examples?: readonly RouteExample[];
    /** Replaces the dispatcher (tests record what is dispatched). */
    dispatcher?: RouteDispatcher;
  },
): ChatDependencies {
  const { config, logger } = base;
  const runtime = composeModelRuntime(
    base,
    options.createPipeline ? { createPipeline: options.createPipeline } : {},
  );
  const embeddings = createEmbeddingService({ runtime });
  const blobs = options.blobs ?? composeDocumentBlobs(config);
  const router = createMessageRouter({
    embeddings,
    semantic: createSemanticRouter({ embeddings, examples: options.examples ?? defaultRouteExamples() }),
    retrieval: composeRetrievalProbe(config, base, blobs),
    thresholds: { ragMinScore: config.chat.ragMinScore, routeMinSimilarity: config.chat.routeMinSimilarity },
    onProbeError: (error) =>
      logger.warn('the document store could not be probed; routing without it', { error: error as Error }),
  });
  const sessions = composeChatSessions(config, blobs, () => embeddings.tokenCounter());
  const prefix = config.chat.functionPrefix;
  const dispatcher =
    options.dispatcher ??
    (prefix
      ? createLambdaDispatcher({
          client: new LambdaClient({}),
          functionNames: chatFunctionNames(prefix),
          retryAfterSeconds: config.retryAfterSeconds,
        })
      : createInProcessDispatcher(options.inProcess));
  return {
    config,
    logger,
    runtime,
    embeddings,
    router,
    sessions,
    dispatcher,
    chat: createChatService({ router, sessions, dispatcher, logger }),
  };
}
