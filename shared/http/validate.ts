import { type ErrorDetail, RequestValidationError } from '../errors';
import * as z from '../schema';

/** Unknown keys named in one problem; the rest are counted. */
const MAX_KEYS_NAMED = 5;
const MAX_KEY_LENGTH = 40;

const quoteKey = (key: string) =>
  JSON.stringify(key.length <= MAX_KEY_LENGTH ? key : `${key.slice(0, MAX_KEY_LENGTH)}…`);

function detailOf(issue: z.core.$ZodIssue): ErrorDetail {
  const path = issue.path.map(String).join('.');
  if (issue.code !== 'unrecognized_keys') return { path, message: issue.message };
  const named = issue.keys.slice(0, MAX_KEYS_NAMED).map(quoteKey).join(', ');
  const rest = issue.keys.length - Math.min(issue.keys.length, MAX_KEYS_NAMED);
  return {
    path,
    message: `unknown ${issue.keys.length === 1 ? 'key' : 'keys'} ${named}${rest > 0 ? ` and ${rest} more` : ''}`,
  };
}

/**
 * Validates `data` against `schema`; on failure a 422 lists the invalid fields by path. Unknown keys are one
 * problem naming a few of them, so that a body with a million keys gets a short answer.
 */
export function validate<S extends z.core.$ZodType>(schema: S, data: unknown): z.output<S> {
  const result = z.safeParse(schema, data);
  if (result.success) return result.data;
  throw new RequestValidationError(result.error.issues.map(detailOf));
}
