import { InvalidStorageKeyError } from '../errors';

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

const DOT_SEGMENT = /^\.{1,2}$/;
const hasControlCharacter = (text: string) =>
  [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/**
 * Whether `key` is a plain relative key: non-empty segments separated by "/", none of them "." or "..",
 * no backslash or control character. Any other key could name something outside the store (a local
 * directory resolves `..`; some S3-compatible servers do too), so stores and request schemas refuse it.
 */
export function isPlainKey(key: string): boolean {
  return (
    key.length > 0 &&
    !key.includes('\\') &&
    !hasControlCharacter(key) &&
    key.split('/').every((segment) => segment.length > 0 && !DOT_SEGMENT.test(segment))
  );
}

/** Throws a 422 InvalidStorageKeyError unless `key` is a plain relative key. */
export function assertPlainKey(key: string): void {
  if (!isPlainKey(key)) throw new InvalidStorageKeyError(key);
}
