import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorResponse } from '../../shared/http/error-response';
import { ModelUnavailableError, NotFoundError, RequestValidationError } from '../../shared/http/errors';
import { validate } from '../../shared/http/validate';
import { silentLogger } from '../helpers/dependencies';

const parse = (body: string | undefined) => JSON.parse(body ?? '');

describe('errorResponse', () => {
  it('maps a typed error to its status and the documented body', () => {
    const response = errorResponse(new NotFoundError('no such thing'), 'req-1', silentLogger());
    expect(response.statusCode).toBe(404);
    expect(parse(response.body)).toEqual({
      error: { type: 'not_found', message: 'no such thing', requestId: 'req-1' },
    });
  });

  it('hides the message of an unknown error and never shows a stack', () => {
    const error = new Error('secret connection string postgres://u:p@h');
    const response = errorResponse(error, 'req-2', silentLogger());
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('postgres');
    expect(response.body).not.toContain('at ');
    expect(parse(response.body).error).toEqual({
      type: 'internal_error',
      message: 'Internal server error',
      requestId: 'req-2',
    });
  });

  it('gives a model outage 503 with Retry-After and a message that says how to fix it', () => {
    const response = errorResponse(
      new ModelUnavailableError('run `npm run models:fetch`', { retryAfterSeconds: 12 }),
      'r',
      silentLogger(),
    );
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('12');
    expect(parse(response.body).error).toMatchObject({
      type: 'model_unavailable',
      message: 'run `npm run models:fetch`',
    });
  });
});

describe('validate', () => {
  it('returns the parsed value with defaults applied', () => {
    const schema = z.object({ n: z.number().default(3) });
    expect(validate(schema, {})).toEqual({ n: 3 });
  });

  it('lists every invalid field by path in a 422', () => {
    const schema = z.object({ a: z.string(), b: z.object({ c: z.number().max(2) }) });
    try {
      validate(schema, { a: 1, b: { c: 5 } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RequestValidationError);
      const details = (error as RequestValidationError).details ?? [];
      expect(details.map((d) => d.path)).toEqual(['a', 'b.c']);
      expect((error as RequestValidationError).statusCode).toBe(422);
    }
  });
});
