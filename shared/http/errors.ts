/**
 * The one typed error module. Each error knows its status, a stable machine-readable `type`, and whether its
 * message may be shown to a client (`expose`: true below 500, as Middy does).
 */

export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

export abstract class HttpError extends Error {
  abstract readonly statusCode: number;
  abstract readonly type: string;
  readonly details: readonly ErrorDetail[] | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    message: string,
    options: { details?: readonly ErrorDetail[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }

  get expose(): boolean {
    return this.statusCode < 500;
  }
}

export class BadRequestError extends HttpError {
  readonly statusCode = 400;
  readonly type = 'bad_request';
}

export class NotFoundError extends HttpError {
  readonly statusCode = 404;
  readonly type = 'not_found';
}

export class MethodNotAllowedError extends HttpError {
  readonly statusCode = 405;
  readonly type = 'method_not_allowed';
  constructor(method: string, path: string, allowed: readonly string[]) {
    super(`${method} is not allowed on ${path}; use ${allowed.join(', ')}`, {
      headers: { allow: allowed.join(', ') },
    });
  }
}

/** 409: the request lost a race with another one on the same resource; its message says which won. */
export class ConflictError extends HttpError {
  readonly statusCode = 409;
  readonly type: string = 'conflict';
}

export class PayloadTooLargeError extends HttpError {
  readonly statusCode = 413;
  readonly type = 'payload_too_large';
}

export class UnsupportedMediaTypeError extends HttpError {
  readonly statusCode = 415;
  readonly type = 'unsupported_media_type';
}

/** 422: the body parsed but its fields are invalid; `details` lists each invalid field. */
export class RequestValidationError extends HttpError {
  readonly statusCode = 422;
  readonly type = 'validation_error';
  constructor(details: readonly ErrorDetail[]) {
    super(
      `Invalid request: ${details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ')}`,
      {
        details,
      },
    );
  }
}

/** 502: a dependency answered, but wrongly. */
export class UpstreamError extends HttpError {
  readonly statusCode = 502;
  readonly type = 'upstream_error';
  override get expose(): boolean {
    return true;
  }
}

/** 503 with Retry-After: the service cannot answer now but may soon. Its message is written for clients. */
export class ServiceUnavailableError extends HttpError {
  readonly statusCode = 503;
  readonly type: string = 'service_unavailable';
  constructor(message: string, options: { retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, {
      headers: { 'retry-after': String(options.retryAfterSeconds ?? 30) },
      cause: options.cause,
    });
  }
  override get expose(): boolean {
    return true;
  }
}

/** A model that cannot be loaded or run; the message says how to fix it. */
export class ModelUnavailableError extends ServiceUnavailableError {
  override readonly type = 'model_unavailable';
}

/** 504: the request ran out of its time budget before the work finished. */
export class GatewayTimeoutError extends HttpError {
  readonly statusCode = 504;
  readonly type = 'timeout';
  override get expose(): boolean {
    return true;
  }
}
