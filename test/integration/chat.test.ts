/**
 * POST /chat and DELETE /chat/{session_id} over real API Gateway events on the tiny models: each route is
 * reached through the same handler modules npm start serves, in-process, and the Lambda dispatch is
 * checked at the SDK seam.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { create as createChat } from '../../functions/chat/handler';
import { IN_PROCESS_ROUTES } from '../../functions/chat/in-process-routes';
import { create as createForget } from '../../functions/chat-forget/handler';
import { CHAT_SESSIONS_PREFIX, chatFunctionNames, composeChat } from '../../shared/app/chat';
import { loadConfig } from '../../shared/config/environment';
import { RouteUnavailableError, ServiceUnavailableError, UpstreamError } from '../../shared/errors';
import {
  createInProcessDispatcher,
  createLambdaDispatcher,
  type RouteDispatcher,
} from '../../shared/http/route-dispatcher';
import type { ChatRouteName } from '../../shared/routing/route-names';
import { withoutCost } from '../helpers/cost';
import { silentLogger } from '../helpers/dependencies';
import { httpEvent, invoke, lambdaContext } from '../helpers/events';
import { gradient } from '../helpers/images';

// The dispatched handler modules compose themselves from the environment, as in their own containers.
const DATA_DIR = mkdtempSync(path.join(os.tmpdir(), 'chat-'));
vi.stubEnv('DATA_DIR', DATA_DIR);
// The tiny embedder's weights are random: every text is about 0.95 similar to every other, so only an
// identical text (similarity 1) may decide a route here.
vi.stubEnv('CHAT_ROUTE_MIN_SIMILARITY', '0.9999');
vi.stubEnv('CHAT_RAG_MIN_SCORE', '0.9999');

const dispatched: { route: ChatRouteName; event: APIGatewayProxyEventV2 }[] = [];
const inProcess = createInProcessDispatcher(IN_PROCESS_ROUTES);
const recording: RouteDispatcher = {
  ...inProcess,
  dispatch: (route, event, context) => {
    dispatched.push({ route, event });
    return inProcess.dispatch(route, event, context);
  },
};
const base = { config: loadConfig(), logger: silentLogger() };
const deps = composeChat(base, { inProcess: IN_PROCESS_ROUTES, dispatcher: recording });
const chat = createChat(deps);
afterAll(() => deps.runtime.dispose());

interface ChatBody {
  reply: string | null;
  route: { name: string; confidence: number; reason: string; stage: string; candidates: unknown[] };
  session_id: string;
  sources?: unknown[];
  job?: { job_id: string; status_url: string };
  dry_run?: boolean;
  prompt?: { name: string; version: string };
  trace: { step: string; ms: number; status: string }[];
}
type ErrorBody = { error: { type: string; message: string } };

const send = <T = ChatBody>(body: unknown, headers: Record<string, string> = {}) =>
  invoke<T>(chat, httpEvent('POST', '/chat', { body, headers: { host: 'api.example.com', ...headers } }));

describe('POST /chat', () => {
  it('answers the decision alone on a dry run, running nothing and remembering nothing', async () => {
    // Prepare
    const before = dispatched.length;
    // Act
    const response = await send({ message: 'Tell me a joke', session_id: 'dry', dry_run: true });
    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({ reply: null, dry_run: true, session_id: 'dry' });
    expect(response.body.route).toMatchObject({ name: 'llm', stage: 'semantic', confidence: 1 });
    expect(response.body.route.reason).toContain('"Tell me a joke"');
    expect(response.body.trace.map((t) => t.step)).toEqual(['route']);
    expect(dispatched.length).toBe(before);
    expect(await deps.sessions.history('dry')).toEqual([]);
  });

  it('gives the LLM the conversation so far, and passes its request id on', async () => {
    // Act
    const first = await send({ message: 'Tell me a joke', session_id: 'talk' }, { 'x-request-id': 'turn-1' });
    const second = await send({ message: 'Write a short poem about the sea', session_id: 'talk' });
    // Assess
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(first.body.route.name).toBe('llm');
    expect(typeof first.body.reply).toBe('string');
    const [one, two] = dispatched.filter((d) => d.route === 'llm').slice(-2);
    expect(one?.event.headers['x-request-id']).toBe('turn-1');
    expect(two?.event.headers['x-request-id']).toBe(second.headers['x-request-id']);
    expect(one?.event).toMatchObject({ rawPath: '/hello-llm', routeKey: 'POST /hello-llm' });
    const prompt = (JSON.parse(two?.event.body ?? '{}') as { prompt: string }).prompt;
    expect(prompt).toBe(
      `User: Tell me a joke\nAssistant: ${first.body.reply}\nUser: Write a short poem about the sea\nAssistant:`,
    );
    expect(second.body.trace.map((t) => [t.step, t.status])).toEqual([
      ['route', 'ok'],
      ['memory.read', 'ok'],
      ['dispatch:llm', 'ok'],
      ['memory.write', 'ok'],
    ]);
    expect((await deps.sessions.history('talk')).map((t) => t.route)).toEqual(['llm', 'llm']);
    expect(second.body.prompt).toEqual({ name: 'chat-conversation', version: 'v1' });
  });

  it('pins the conversation prompt, and refuses a version that does not exist before any work', async () => {
    // Prepare
    const before = dispatched.length;
    // Act
    const pinned = await send({ message: 'Tell me a joke', route: 'llm', prompt_version: 'v1' });
    const missing = await send({ message: 'Tell me a joke', route: 'llm', prompt_version: 'v3' });
    // Assess
    expect(pinned.statusCode).toBe(200);
    expect(pinned.body.prompt).toEqual({ name: 'chat-conversation', version: 'v1' });
    expect(missing.statusCode).toBe(422);
    expect(JSON.stringify(missing.body)).toContain(
      'the prompt chat-conversation has no version v3; available: v1',
    );
    expect(dispatched.length).toBe(before + 1);
  });

  it('takes the route the client names', async () => {
    const response = await send({ message: 'I love this lighthouse', route: 'sentiment' });
    expect(response.statusCode).toBe(200);
    expect(response.body.reply).toMatch(/^(POSITIVE|NEGATIVE) \(\d\.\d{3}\)$/);
    expect(response.body.route).toMatchObject({ name: 'sentiment', stage: 'override', confidence: 1 });
    expect(response.body.session_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('captions an attached image, and answers a question about it', async () => {
    const image = (await gradient('png')).toString('base64');
    const caption = await send({ image: `data:image/png;base64,${image}` });
    const question = await send({ message: 'What colour is the sky?', image });
    expect(caption.statusCode).toBe(200);
    expect(caption.body.route).toMatchObject({ name: 'caption', stage: 'rule' });
    expect(typeof caption.body.reply).toBe('string');
    expect(question.statusCode).toBe(200);
    expect(question.body.route).toMatchObject({ name: 'vqa', stage: 'rule' });
    expect(JSON.parse(dispatched.at(-1)?.event.body ?? '{}')).toEqual({
      image_base64: image,
      question: 'What colour is the sky?',
    });
  });

  it('answers an image request with the job to poll, linked on the client host', async () => {
    const response = await send({ message: 'Draw a lighthouse in a storm', route: 'auto' });
    expect(response.statusCode).toBe(200);
    expect(response.body.route).toMatchObject({ name: 'image', stage: 'rule' });
    expect(response.body.job?.status_url).toMatch(/^https:\/\/api\.example\.com\/jobs\/[0-9a-f-]{36}$/);
    expect(response.body.reply).toContain(response.body.job?.status_url);
    expect(response.body.job).not.toHaveProperty('cost');
  });

  it('answers 503 for a route this deployment does not have', async () => {
    // Prepare: a deployment without the researcher
    const { researcher: _absent, ...withoutResearcher } = IN_PROCESS_ROUTES;
    const partial = createChat(composeChat(base, { inProcess: withoutResearcher }));
    // Act
    const response = await invoke<ErrorBody>(
      partial,
      httpEvent('POST', '/chat', { body: { message: 'the Eiffel Tower', route: 'researcher' } }),
    );
    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.body.error).toMatchObject({
      type: 'route_unavailable',
      message: 'the researcher route is not available in this deployment',
    });
  });

  it("passes the answering route's own error on", async () => {
    const response = await send<ErrorBody>({ message: 'why '.repeat(600), route: 'rag-faiss' });
    expect(response.statusCode).toBe(422);
    expect(response.body.error.type).toBe('validation_error');
    expect(response.body.error.message).toMatch(/question/);
  });

  it('refuses an image route without an image, and an empty message without one', async () => {
    const caption = await send<ErrorBody>({ message: 'hello', route: 'caption' });
    const empty = await send<ErrorBody>({ message: '  ' });
    expect(caption.statusCode).toBe(422);
    expect(caption.body.error.message).toMatch(/image/);
    expect(empty.statusCode).toBe(422);
    expect(empty.body.error.message).toMatch(/message/);
  });
});

describe('DELETE /chat/{session_id}', () => {
  it('forgets the session', async () => {
    // Prepare
    await send({ message: 'Tell me a joke', session_id: 'forget-me' });
    const forget = createForget({ ...base, sessions: deps.sessions });
    const event = (id: string) => {
      const e = httpEvent('DELETE', `/chat/${id}`);
      e.pathParameters = { session_id: id };
      return e;
    };
    // Act
    const first = await invoke(forget, event('forget-me'));
    const again = await invoke(forget, event('forget-me'));
    const invalid = await invoke(forget, event('..'));
    // Assess
    expect(withoutCost(first.body)).toEqual({ session_id: 'forget-me', deleted: true });
    expect(withoutCost(again.body)).toEqual({ session_id: 'forget-me', deleted: false });
    expect(invalid.statusCode).toBe(422);
    expect(await deps.sessions.history('forget-me')).toEqual([]);
    expect(CHAT_SESSIONS_PREFIX).toBe('chat-sessions/');
  });
});

describe('dispatch in AWS', () => {
  const event = httpEvent('POST', '/hello-llm', { body: { prompt: 'hi' } });

  it('invokes the route function by name with the same event, and reads its answer', async () => {
    // Prepare
    const sent: { FunctionName?: string; InvocationType?: string; Payload?: Uint8Array }[] = [];
    const client = {
      send: async (command: { input: (typeof sent)[number] }) => {
        sent.push(command.input);
        const answer = { statusCode: 200, headers: {}, body: JSON.stringify({ completion: ' there' }) };
        return { $metadata: {}, StatusCode: 200, Payload: Buffer.from(JSON.stringify(answer)) };
      },
    };
    const names = chatFunctionNames('genai-endpoints-prod-');
    const dispatcher = createLambdaDispatcher({
      client: client as never,
      functionNames: names,
      retryAfterSeconds: 5,
    });
    // Act
    const response = await dispatcher.dispatch('llm', event, lambdaContext());
    // Assess
    expect(response).toEqual({ statusCode: 200, headers: {}, body: '{"completion":" there"}' });
    expect(sent[0]?.FunctionName).toBe('genai-endpoints-prod-helloLlm');
    expect(sent[0]?.InvocationType).toBe('RequestResponse');
    expect(JSON.parse(Buffer.from(sent[0]?.Payload ?? []).toString())).toEqual(event);
    expect(names).toMatchObject({
      sentiment: 'genai-endpoints-prod-sentiment',
      'rag-faiss': 'genai-endpoints-prod-ragFaissQuery',
    });
    expect(names.researcher).toBe('genai-endpoints-prod-researcher');
  });

  it('answers 502 for a function error, 503 when Lambda cannot be reached or the route is absent', async () => {
    const failing = (result: () => Promise<unknown>) =>
      createLambdaDispatcher({
        client: { send: result } as never,
        functionNames: { ...chatFunctionNames('p-'), researcher: undefined },
        retryAfterSeconds: 5,
      });
    await expect(
      failing(async () => ({ FunctionError: 'Unhandled', Payload: Buffer.from('{}') })).dispatch(
        'llm',
        event,
        lambdaContext(),
      ),
    ).rejects.toBeInstanceOf(UpstreamError);
    await expect(
      failing(async () => {
        throw new Error('connect ECONNREFUSED');
      }).dispatch('llm', event, lambdaContext()),
    ).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(
      failing(async () => ({})).dispatch('researcher', event, lambdaContext()),
    ).rejects.toBeInstanceOf(RouteUnavailableError);
  });
});
