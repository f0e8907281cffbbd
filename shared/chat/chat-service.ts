/**
 * One chat turn: decide the route (or take the client's), run it where it lives, remember the turn, and
 * answer with the reply, the decision and its reasons, and a trace of each step's time. Every dispatched
 * call is logged with its route, confidence, latency and the request id it passed on, so that a turn can be
 * followed into the function that answered it.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { DispatchedRouteError, RequestValidationError, UpstreamError } from '../errors';
import type { DispatchedResponse, RouteCaller, RouteDispatcher } from '../http/route-dispatcher';
import { CHAT_CONVERSATION_PROMPT } from '../prompts/chat-conversation';
import type { RouteDecision } from '../routing/route-names';
import type { MessageRouter } from '../routing/router';
import * as z from '../schema';
import type { ChatRequest } from './schema';
import type { SessionStore } from './session-store';
import { CHAT_TARGETS, type ChatImage } from './targets';

export interface TraceStep {
  readonly step: string;
  readonly ms: number;
  readonly status: 'ok' | 'error';
}

export interface ChatResponse {
  reply: string | null;
  route: RouteDecision;
  sources?: readonly unknown[];
  job?: unknown;
  session_id: string;
  dry_run?: true;
  trace: TraceStep[];
}

export interface ChatService {
  turn(request: ChatRequest, call: { callRoute: RouteCaller; requestId: string }): Promise<ChatResponse>;
}

const ErrorBody = z.object({ error: z.object({ type: z.string(), message: z.string() }) });

function bodyOf(route: string, response: DispatchedResponse): unknown {
  const text = response.isBase64Encoded
    ? Buffer.from(response.body ?? '', 'base64').toString('utf8')
    : (response.body ?? '');
  try {
    return JSON.parse(text);
  } catch {
    throw new UpstreamError(`the ${route} route answered something other than JSON`);
  }
}

const IMAGE_ROUTES = new Set(['caption', 'vqa']);
const ms = (started: number) => Math.round((performance.now() - started) * 10) / 10;

export function createChatService(deps: {
  router: MessageRouter;
  sessions: SessionStore;
  dispatcher: RouteDispatcher;
  logger: Logger;
}): ChatService {
  return {
    async turn(request, { callRoute, requestId }) {
      const trace: TraceStep[] = [];
      const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
        const started = performance.now();
        try {
          const result = await work();
          trace.push({ step, ms: ms(started), status: 'ok' });
          return result;
        } catch (error) {
          trace.push({ step, ms: ms(started), status: 'error' });
          throw error;
        }
      };
      // A pinned version that does not exist is refused before any work, whichever route answers.
      if (request.prompt_version !== undefined) CHAT_CONVERSATION_PROMPT.resolve(request.prompt_version);
      const sessionId = request.session_id ?? randomUUID();
      const image: ChatImage | undefined =
        request.image !== undefined
          ? { image_base64: request.image }
          : request.image_s3_key !== undefined
            ? { image_s3_key: request.image_s3_key }
            : undefined;
      const decision = await timed('route', () =>
        deps.router.route({
          message: request.message,
          hasImage: image !== undefined,
          override: request.route,
        }),
      );
      if (IMAGE_ROUTES.has(decision.name) && !image) {
        throw new RequestValidationError([
          {
            path: 'image',
            message: `the ${decision.name} route needs an image: send "image" or "image_s3_key"`,
          },
        ]);
      }
      if (decision.name === 'vqa' && !request.message) {
        throw new RequestValidationError([{ path: 'message', message: 'the vqa route needs a question' }]);
      }
      if (request.dry_run)
        return { reply: null, route: decision, session_id: sessionId, dry_run: true, trace };

      const history =
        decision.name === 'llm' ? await timed('memory.read', () => deps.sessions.history(sessionId)) : [];
      const target = CHAT_TARGETS[decision.name];
      const input = {
        message: request.message,
        ...(image ? { image } : {}),
        history,
        ...(request.prompt_version !== undefined ? { promptVersion: request.prompt_version } : {}),
      };
      const sent = target.body(input);
      const started = performance.now();
      let status: number | undefined;
      let response: DispatchedResponse;
      try {
        response = await timed(`dispatch:${decision.name}`, () => callRoute(decision.name, target, sent));
        status = response.statusCode;
      } finally {
        deps.logger.info('chat turn dispatched', {
          route: decision.name,
          stage: decision.stage,
          confidence: decision.confidence,
          latencyMs: ms(started),
          passedRequestId: requestId,
          path: target.path,
          mode: deps.dispatcher.mode,
          function: deps.dispatcher.target(decision.name) ?? 'none',
          status: status ?? 'failed',
        });
      }
      const body = bodyOf(decision.name, response);
      if (response.statusCode >= 400) {
        const failure = ErrorBody.safeParse(body);
        const retryAfter = Object.entries(response.headers ?? {}).find(
          ([k]) => k.toLowerCase() === 'retry-after',
        );
        throw failure.success
          ? new DispatchedRouteError(
              response.statusCode,
              failure.data.error.type,
              failure.data.error.message,
              retryAfter ? { 'retry-after': retryAfter[1] } : {},
            )
          : new UpstreamError(`the ${decision.name} route failed with status ${response.statusCode}`);
      }
      const reply = CHAT_TARGETS[decision.name].reply(body);
      const prompt = reply.prompt ?? target.prompt?.(input);
      await timed('memory.write', () =>
        deps.sessions.append(sessionId, {
          user: request.message,
          reply: reply.reply,
          route: decision.name,
        }),
      );
      return {
        reply: reply.reply,
        route: decision,
        ...(reply.sources ? { sources: reply.sources } : {}),
        ...(reply.job ? { job: reply.job } : {}),
        ...(prompt ? { prompt } : {}),
        session_id: sessionId,
        trace,
      };
    },
  };
}
