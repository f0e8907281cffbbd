import { ServiceUnavailableError } from '../http/errors';

/**
 * Objects by key with ETags and conditional writes: the one storage interface for documents, the FAISS index
 * and the document registry. S3 in AWS; a local directory by default.
 */

export interface StoredBlob {
  readonly body: Buffer;
  readonly etag: string;
  /** The Content-Type it was stored with, where the store keeps one. */
  readonly contentType?: string;
}

export interface PutOptions {
  /** Write only if the current object has this ETag (optimistic concurrency). */
  readonly ifMatch?: string;
  /** Write only if no object exists under the key. */
  readonly ifNoneMatch?: '*';
  readonly contentType?: string;
}

export interface BlobStore {
  /** Where the store keeps its objects, for messages and logs. */
  readonly location: string;
  get(key: string): Promise<StoredBlob | undefined>;
  /** The current ETag, without the body. */
  etag(key: string): Promise<string | undefined>;
  /** Writes the object; throws PreconditionFailedError when a condition does not hold. */
  put(key: string, body: Buffer | string, options?: PutOptions): Promise<{ etag: string }>;
  delete(key: string): Promise<void>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /** A time-limited URL that reads the object directly, where the store has one (S3 presigned GET). */
  signedUrl?(key: string, expiresInSeconds: number): Promise<string>;
}

/** A conditional write lost a race: another writer changed the object first. */
export class PreconditionFailedError extends Error {
  override name = 'PreconditionFailedError';
  constructor(readonly key: string) {
    super(`the object ${key} changed since it was read`);
  }
}

/** The storage backend failed (network, permissions): a 503 with Retry-After, naming the object. */
export class BlobStoreError extends ServiceUnavailableError {
  override readonly type = 'storage_unavailable';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retryAfterSeconds: 5, ...options });
  }
}
