/**
 * How a chat turn reaches the function that answers it, so that models stay where they live. In AWS the
 * route's own function is invoked (RequestResponse) with the event its route would get: its models are warm
 * in its own containers, and the chat function holds only the router's embedder. Locally the same handler
 * module is imported on first use and called in-process with the same event. A route this deployment does not
 * have (no function, no module) answers 503 `route_unavailable` through the same path.
 */
import { InvokeCommand, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { RouteUnavailableError, ServiceUnavailableError, UpstreamError } from '../errors';
import type { ChatRouteName } from '../routing/route-names';
import * as z from '../schema';
import { dispatchEvent } from './dispatch-event';

/** What a dispatched function answered: an API Gateway structured result. */
export const DispatchedResponse = z.object({
  statusCode: z.number().check(z.int()),
  headers: z.optional(z.record(z.string(), z.string())),
  body: z.optional(z.string()),
  isBase64Encoded: z.optional(z.boolean()),
});
export type DispatchedResponse = z.output<typeof DispatchedResponse>;

/** A function module as `functions/<route>/handler.ts` exports it. */
export interface HandlerModule {
  readonly handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;
}

/** Imports each route's handler module on first use; a route without an entry is not in this deployment. */
export type HandlerLoaders = Partial<Record<ChatRouteName, () => Promise<HandlerModule>>>;

export interface RouteDispatcher {
  readonly mode: 'lambda' | 'in-process';
  /** Where `route` goes: its function's name, or `in-process`; undefined when it is not in this deployment. */
  target(route: ChatRouteName): string | undefined;
  dispatch(
    route: ChatRouteName,
    event: APIGatewayProxyEventV2,
    context: Context,
  ): Promise<DispatchedResponse>;
}

function readResponse(route: ChatRouteName, value: unknown): DispatchedResponse {
  const parsed = DispatchedResponse.safeParse(value);
  if (!parsed.success)
    throw new UpstreamError(`the ${route} route answered something other than an HTTP response`);
  return parsed.data;
}

export function createInProcessDispatcher(loaders: HandlerLoaders): RouteDispatcher {
  const modules = new Map<ChatRouteName, Promise<HandlerModule>>();
  return {
    mode: 'in-process',
    target: (route) => (loaders[route] ? 'in-process' : undefined),
    async dispatch(route, event, context) {
      const load = loaders[route];
      if (!load) throw new RouteUnavailableError(route);
      let module = modules.get(route);
      if (!module) {
        module = load();
        modules.set(route, module);
        module.catch(() => modules.delete(route));
      }
      return readResponse(route, await (await module).handler(event, context));
    },
  };
}

export function createLambdaDispatcher(deps: {
  client: { send(command: InvokeCommand): Promise<InvokeCommandOutput> };
  /** The deployed function of each route; a route without one is not in this deployment. */
  functionNames: Partial<Record<ChatRouteName, string>>;
  retryAfterSeconds: number;
}): RouteDispatcher {
  return {
    mode: 'lambda',
    target: (route) => deps.functionNames[route],
    async dispatch(route, event) {
      const functionName = deps.functionNames[route];
      if (!functionName) throw new RouteUnavailableError(route);
      let output: InvokeCommandOutput;
      try {
        output = await deps.client.send(
          new InvokeCommand({
            FunctionName: functionName,
            InvocationType: 'RequestResponse',
            Payload: Buffer.from(JSON.stringify(event)),
          }),
        );
      } catch (error) {
        throw new ServiceUnavailableError(`the ${route} route could not be reached; retry later`, {
          retryAfterSeconds: deps.retryAfterSeconds,
          cause: error,
        });
      }
      if (output.FunctionError) {
        throw new UpstreamError(`the ${route} route failed (${output.FunctionError}); see its logs`);
      }
      let payload: unknown;
      try {
        payload = JSON.parse(Buffer.from(output.Payload ?? new Uint8Array()).toString('utf8'));
      } catch {
        throw new UpstreamError(`the ${route} route answered something other than JSON`);
      }
      return readResponse(route, payload);
    },
  };
}

/** Calls other routes on behalf of one incoming request: each call carries its request id and client host. */
export type RouteCaller = (
  route: ChatRouteName,
  target: { readonly method: string; readonly path: string },
  body: unknown,
) => Promise<DispatchedResponse>;

export function routeCaller(
  dispatcher: RouteDispatcher,
  incoming: { event: APIGatewayProxyEventV2; context: Context; requestId: string },
): RouteCaller {
  return (route, target, body) =>
    dispatcher.dispatch(
      route,
      dispatchEvent(incoming.event, target, body, incoming.requestId),
      incoming.context,
    );
}
