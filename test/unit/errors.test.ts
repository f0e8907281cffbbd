import { describe, expect, it } from 'vitest';
import {
  ModelUnavailableError,
  NotFoundError,
  RequestValidationError,
  ServiceUnavailableError,
  StorageUnavailableError,
  UpstreamError,
} from '../../shared/errors';
import { errorResponse } from '../../shared/http/error-response';
import { validate } from '../../shared/http/validate';
import * as z from '../../shared/schema';
import { silentLogger } from '../helpers/dependencies';
import { internalsIn } from '../helpers/leaks';

const parse = (body: string | undefined) => JSON.parse(body ?? '');

describe('errorResponse', () => {
  it('maps a typed error to its status and the documented body', () => {
    const response = errorResponse(new NotFoundError('no such thing'), 'req-1', silentLogger());
    expect(response.statusCode).toBe(404);
    expect(parse(response.body)).toEqual({
      error: { type: 'not_found', message: 'no such thing', request_id: 'req-1' },
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
      request_id: 'req-2',
    });
  });

  it('shows no absolute path, file URL, internal module or stack frame in any message', () => {
    const stack = `Error: boom\n    at open (node:internal/fs/promises:639:25)\n    at async write (/work/app/shared/storage/local-blob-store.ts:53:5)`;
    const leaky = [
      new ServiceUnavailableError(`cannot open /work/app/data/jobs/a.json: EACCES ${stack}`),
      new ModelUnavailableError("no model.onnx in '/tmp/models/tiny-random/gpt2' (file:///tmp/models/x)"),
      new UpstreamError('the GPU service failed: ENOENT: open C:\\Users\\me\\model.onnx'),
      new RequestValidationError([{ path: 'image', message: `cannot be read: ${stack}` }]),
    ];
    for (const error of leaky) {
      const response = errorResponse(error, 'req-3', silentLogger());
      expect(internalsIn(response.body ?? ''), error.message).toEqual([]);
      expect(response.body).not.toMatch(/C:\\\\Users/);
    }
    const kept = errorResponse(
      new NotFoundError('No route for GET /nope/more; routes: GET /jobs/{id}/images/{index}'),
      'r',
      silentLogger(),
    );
    expect(parse(kept.body).error.message).toBe(
      'No route for GET /nope/more; routes: GET /jobs/{id}/images/{index}',
    );
  });

  it('gives a storage failure 503 storage_unavailable naming the operation and key, with Retry-After', () => {
    const cause = new Error("EACCES: permission denied, open '/srv/data/jobs/a.json'");
    const response = errorResponse(
      new StorageUnavailableError('write', 'jobs/a.json', { cause }),
      'r',
      silentLogger(),
    );
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toMatch(/^\d+$/);
    expect(parse(response.body).error.type).toBe('storage_unavailable');
    expect(parse(response.body).error.message).toMatch(/write .*jobs\/a\.json/);
    expect(response.body).not.toContain('/srv/data');
    expect(response.body).not.toContain('EACCES');
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
    const schema = z.object({ n: z._default(z.number(), 3) });
    expect(validate(schema, {})).toEqual({ n: 3 });
  });

  it('lists every invalid field by path in a 422', () => {
    const schema = z.object({ a: z.string(), b: z.object({ c: z.number().check(z.maximum(2)) }) });
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

  it('reports at most 20 problems, each unknown key once, in a short body whatever the request holds', () => {
    const body: Record<string, unknown> = { a: 'x' };
    for (let i = 0; i < 1_000_000; i++) body[`k${i}`] = 1;
    body[`long${'y'.repeat(10_000)}`] = 1;
    const schema = z.strictObject({ a: z.string() });
    const error = (() => {
      try {
        validate(schema, body);
      } catch (caught) {
        return caught as RequestValidationError;
      }
      throw new Error('validation passed');
    })();
    const response = errorResponse(error, 'r', silentLogger());
    expect(response.statusCode).toBe(422);
    expect((response.body ?? '').length).toBeLessThan(16 * 1024);
    expect((response.body ?? '').split('"k7"').length - 1).toBeLessThanOrEqual(1);
    expect(parse(response.body).error.message).toMatch(/and 999996 more/);

    const many = z.strictObject(
      Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, z.string()])),
    );
    const details = (() => {
      try {
        validate(many, {});
      } catch (caught) {
        return (caught as RequestValidationError).details ?? [];
      }
      return [];
    })();
    expect(details).toHaveLength(21);
    expect(details.at(-1)?.message).toMatch(/and 30 more problems/);
  });
});
