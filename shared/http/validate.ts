import type { z } from 'zod';
import { type ErrorDetail, RequestValidationError } from './errors';

/** Validates `data` against `schema`; on failure a 422 lists every invalid field by its path. */
export function validate<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const details: ErrorDetail[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  throw new RequestValidationError(details);
}
