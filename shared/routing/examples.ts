/**
 * The semantic router's labelled examples. They live in a versioned file so that they can be reviewed and
 * changed without touching code, and the file is validated here at cold start: a malformed file stops the
 * function with a message naming the problem, never routes with half the examples.
 */

import { ConfigurationError } from '../errors';
import * as z from '../schema';
import examplesV1 from './examples.v1.json' with { type: 'json' };
import { ChatRouteName } from './route-names';

export const RouteExamplesFile = z.strictObject({
  version: z.literal(1),
  description: z.optional(z.string()),
  routes: z.partialRecord(
    ChatRouteName,
    z.array(z.string().check(z.trim(), z.minLength(1), z.maxLength(500))).check(z.minLength(1)),
  ),
});
export type RouteExamplesFile = z.output<typeof RouteExamplesFile>;

export interface RouteExample {
  readonly route: ChatRouteName;
  readonly text: string;
}

/** The examples as a flat list, each with its route. */
export function parseRouteExamples(data: unknown): RouteExample[] {
  const parsed = RouteExamplesFile.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigurationError(`the routing examples file is invalid: ${problems}`);
  }
  return Object.entries(parsed.data.routes).flatMap(([route, texts]) =>
    (texts ?? []).map((text) => ({ route: route as ChatRouteName, text })),
  );
}

/** The examples shipped with this version (shared/routing/examples.v1.json). */
export const ROUTE_EXAMPLES_VERSION = 'examples.v1';
export const defaultRouteExamples = (): RouteExample[] => parseRouteExamples(examplesV1);
