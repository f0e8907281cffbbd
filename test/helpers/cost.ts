/**
 * A response body without its `cost`: the HTTP layer estimates one per request, from that request's own
 * time, so two answers that are otherwise the same differ in it.
 */
export function withoutCost<T>(body: T): Omit<T, 'cost'> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const { cost: _cost, ...rest } = body as T & { cost?: unknown };
  return rest;
}
