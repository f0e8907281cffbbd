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
  /**
   * Fields a client acts on, beside the message (the titles a 404 suggests instead): they appear in the
   * error object of the response, next to `type` and `message`, when the error is exposed.
   */
  readonly fields: Readonly<Record<string, unknown>> | undefined;

  constructor(
    message: string,
    options: {
      details?: readonly ErrorDetail[];
      headers?: Record<string, string>;
      cause?: unknown;
      fields?: Record<string, unknown>;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details;
    this.headers = options.headers ?? {};
    this.fields = options.fields;
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

/** 401: the request carries no valid credential where one is required; `www-authenticate` names the scheme. */
export class UnauthorizedError extends HttpError {
  readonly statusCode = 401;
  readonly type = 'unauthorized';
  constructor(message: string, challenge = 'ApiKey header="x-api-key"') {
    super(message, { headers: { 'www-authenticate': challenge } });
  }
}

/** 403: the key is unknown, revoked, or not allowed on this route. */
export class ForbiddenError extends HttpError {
  readonly statusCode = 403;
  readonly type = 'forbidden';
}

/**
 * 429 with Retry-After: the key is over its rate (`rate_limited`) or has spent a daily budget
 * (`budget_exhausted`, until the budget resets at midnight UTC).
 */
export class TooManyRequestsError extends HttpError {
  readonly statusCode = 429;
  readonly type: 'rate_limited' | 'budget_exhausted';
  constructor(
    type: 'rate_limited' | 'budget_exhausted',
    message: string,
    retryAfterSeconds: number,
    fields?: Record<string, unknown>,
  ) {
    super(message, {
      headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
      ...(fields ? { fields } : {}),
    });
    this.type = type;
  }
}

export class PayloadTooLargeError extends HttpError {
  readonly statusCode = 413;
  readonly type = 'payload_too_large';
}

export class UnsupportedMediaTypeError extends HttpError {
  readonly statusCode = 415;
  readonly type = 'unsupported_media_type';
}

/** The most problems a 422 lists: a body can hold a million bad fields, its error must stay small. */
export const MAX_ERROR_DETAILS = 20;
/** The most problems the message of a 422 repeats (the rest are in `details`). */
const MAX_MESSAGE_DETAILS = 3;
const MAX_DETAIL_TEXT = 300;

const clip = (text: string) =>
  text.length <= MAX_DETAIL_TEXT
    ? text
    : `${text.slice(0, MAX_DETAIL_TEXT)}… (${text.length - MAX_DETAIL_TEXT} more characters)`;

/** At most MAX_ERROR_DETAILS problems, each clipped, the rest counted in a last one. */
function boundedDetails(details: readonly ErrorDetail[]): ErrorDetail[] {
  const shown = details
    .slice(0, MAX_ERROR_DETAILS)
    .map((d) => ({ path: clip(d.path), message: clip(d.message) }));
  const rest = details.length - shown.length;
  return rest > 0 ? [...shown, { path: '', message: `and ${rest} more problems` }] : shown;
}

/**
 * 422: the body parsed but its fields are invalid; `details` lists each invalid field (at most
 * MAX_ERROR_DETAILS, then how many more), and the message repeats the first few.
 */
export class RequestValidationError extends HttpError {
  readonly statusCode = 422;
  readonly type = 'validation_error';
  constructor(details: readonly ErrorDetail[]) {
    const bounded = boundedDetails(details);
    const first = bounded
      .slice(0, MAX_MESSAGE_DETAILS)
      .map((d) => (d.path ? `${d.path}: ${d.message}` : d.message));
    const rest = details.length - Math.min(details.length, MAX_MESSAGE_DETAILS);
    super(`Invalid request: ${first.join('; ')}${rest > 0 ? `; and ${rest} more problems` : ''}`, {
      details: bounded,
    });
  }
}

/** What a storage key must look like, in the words a 422 uses. */
export const STORAGE_KEY_RULE =
  'use a relative key of non-empty segments separated by "/", without "." or ".." segments, backslashes or control characters';

/**
 * 422: a storage key that is not a plain relative key (an absolute path, `.` or `..` segments, backslashes,
 * control characters): it could reach outside the store, so it is refused before any storage call.
 */
export class InvalidStorageKeyError extends RequestValidationError {
  constructor(key: string, field = '') {
    super([{ path: field, message: `'${key}' is not a valid key: ${STORAGE_KEY_RULE}` }]);
  }
}

/** 502: a dependency answered, but wrongly. */
export class UpstreamError extends HttpError {
  readonly statusCode = 502;
  readonly type: string = 'upstream_error';
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

/**
 * The blob store failed (disk full or read-only, permissions, S3 down). The message names the operation and
 * the key relative to the store, never where the store lives; the cause (with paths and codes) goes only to
 * the logs.
 */
export class StorageUnavailableError extends ServiceUnavailableError {
  override readonly type = 'storage_unavailable';
  constructor(operation: string, key: string, options: { cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(`storage: ${operation} of '${key}' failed; retry later`, {
      retryAfterSeconds: options.retryAfterSeconds ?? 5,
      cause: options.cause,
    });
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

/** A snapshot object that cannot be decoded; `problem` says why, for the error the store raises. */
export class FaissSnapshotError extends Error {
  override name = 'FaissSnapshotError';
}

/** A vector store that cannot be reached or refused the operation: 503 with Retry-After. */
export class VectorStoreUnavailableError extends ServiceUnavailableError {
  override readonly type = 'vector_store_unavailable';
}

/**
 * A stored index that cannot be read (empty, truncated, checksum mismatch, unknown format). Retrying cannot
 * help and writing over it would lose documents, so it is a 500 without Retry-After whose message, written
 * for clients, says how to rebuild it.
 */
export class IndexCorruptError extends HttpError {
  readonly statusCode = 500;
  readonly type = 'index_corrupt';
  constructor(store: string, problem: string, recovery: string) {
    super(`${store}: the stored index cannot be read (${problem}); nothing was written over it. ${recovery}`);
  }
  override get expose(): boolean {
    return true;
  }
}

export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
  /** Every problem found, one line each (the message joins them). */
  readonly problems: readonly string[];
  constructor(message: string, problems: readonly string[] = [message]) {
    super(message);
    this.problems = problems;
  }
}

/** The write of this version lost: a newer version, or a delete, of the document was committed first. */
export class SupersededVersionError extends ConflictError {
  override readonly type = 'document_superseded';
  constructor(
    documentId: string,
    version: number,
    current: { readonly state: string; readonly committedVersion?: number },
  ) {
    super(
      `document '${documentId}' changed while this request was writing it: ` +
        `${current.state === 'deleted' ? 'a delete' : `version ${current.committedVersion}`} ` +
        `was committed after this version (${version}) started, so this version was discarded; ` +
        'send it again to make it the newest',
    );
  }
}

/** So many writers changed one entry at once that this one never got its turn: retryable. */
export class DocumentBusyError extends ServiceUnavailableError {
  override readonly type = 'document_busy';
}

/** A conditional write lost a race: another writer changed the object first. */
export class PreconditionFailedError extends Error {
  override name = 'PreconditionFailedError';
  constructor(readonly key: string) {
    super(`the object ${key} changed since it was read`);
  }
}

/** The provider refused the content (a safety block): not retryable, so 422. */
export class ContentBlockedError extends HttpError {
  readonly statusCode = 422;
  readonly type = 'content_blocked';
}

/** So many turns of one chat session were written at once that this one never got its turn: retryable. */
export class SessionBusyError extends ServiceUnavailableError {
  override readonly type = 'session_busy';
}

/** 503: /chat routed to a capability that this deployment does not have (its function is not deployed). */
export class RouteUnavailableError extends ServiceUnavailableError {
  override readonly type = 'route_unavailable';
  constructor(route: string) {
    super(`the ${route} route is not available in this deployment`, { retryAfterSeconds: 300 });
  }
}

/** 404: no Wikipedia article matches the topic; `suggestions` holds the closest titles, to ask for instead. */
export class ArticleNotFoundError extends HttpError {
  readonly statusCode = 404;
  readonly type = 'article_not_found';
  constructor(topic: string, lang: string, suggestions: readonly string[]) {
    super(
      `no ${lang}.wikipedia article matches '${topic}'` +
        (suggestions.length > 0 ? `; closest titles: ${suggestions.join(', ')}` : ''),
      { fields: { suggestions } },
    );
  }
}

/** 409: the topic names a disambiguation page; `candidates` are the articles it lists, to pick one from. */
export class DisambiguationError extends HttpError {
  readonly statusCode = 409;
  readonly type = 'ambiguous_topic';
  constructor(title: string, lang: string, candidates: readonly string[]) {
    super(
      `'${title}' is a disambiguation page of ${lang}.wikipedia; ask again with one of its ${candidates.length} candidate titles`,
      { fields: { candidates } },
    );
  }
}

/**
 * The function /chat dispatched to answered with an error: /chat answers with the same status, type and
 * message (already written for clients by that function's own error mapping), and its Retry-After.
 */
export class DispatchedRouteError extends HttpError {
  readonly statusCode: number;
  readonly type: string;
  constructor(statusCode: number, type: string, message: string, headers: Record<string, string> = {}) {
    super(message, { headers });
    this.statusCode = statusCode;
    this.type = type;
  }
  override get expose(): boolean {
    return true;
  }
}

/**
 * 502: Wikipedia (or the server WIKIPEDIA_API_URL names) could not be reached or kept failing after the
 * retries. The message names the host, never more of the address.
 */
export class WikipediaUnavailableError extends UpstreamError {
  override readonly type = 'wikipedia_unavailable';
}

/**
 * A workflow step was invoked with input its schema refuses: the state machine and the step disagree, which
 * no retry can fix. Step Functions sees its name as the error.
 */
export class InvalidTaskInputError extends Error {
  override name = 'InvalidTaskInputError';
}

/**
 * 500: a prompt template was rendered with variables its schema refuses. The variables come from the
 * suite's own code, so this is a bug, never the client's fault; the client sees a generic 500.
 */
export class PromptRenderError extends HttpError {
  readonly statusCode = 500;
  readonly type = 'prompt_render_failed';
}
