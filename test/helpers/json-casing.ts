/**
 * The HTTP API spells every JSON field in snake_case. Every response body that the tests' `invoke` (and the
 * end-to-end test's calls) see is walked, so a camelCase key in any route's answer fails the test that
 * produced it. Keys chosen by clients (a document's `metadata`) are theirs and are not walked.
 */

/** Objects whose keys come from the client, not from the API. */
const CLIENT_KEYED = new Set(['metadata']);

const SNAKE_CASE = /^[a-z0-9]+(?:_[a-z0-9]+)*$/;

/** The path of every key in `value` that is not snake_case, such as `sources.0.documentId`. */
export function nonSnakeCaseKeys(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => nonSnakeCaseKeys(item, `${path}${i}.`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => [
    ...(SNAKE_CASE.test(key) ? [] : [`${path}${key}`]),
    ...(CLIENT_KEYED.has(key) ? [] : nonSnakeCaseKeys(child, `${path}${key}.`)),
  ]);
}
