/** A BlobStore on S3, with S3's conditional writes (If-Match / If-None-Match on PutObject). */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { PreconditionFailedError, StorageUnavailableError } from '../errors';
import { assertPlainKey, type BlobStore } from './blob-store';

const isMissing = (error: unknown) =>
  error instanceof S3ServiceException &&
  (error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404);
const isDenied = (error: unknown) =>
  error instanceof S3ServiceException && error.$metadata.httpStatusCode === 403;
const isConflict = (error: unknown) =>
  error instanceof S3ServiceException &&
  (error.$metadata.httpStatusCode === 412 || error.$metadata.httpStatusCode === 409);

export function createS3BlobStore(deps: { client: S3Client; bucket: string; prefix?: string }): BlobStore {
  const base = deps.prefix ? `${deps.prefix.replace(/\/+$/, '')}/` : '';
  const keyOf = (key: string) => {
    assertPlainKey(key);
    return `${base}${key}`;
  };
  /** The client learns the operation and the key in the store; the bucket and S3's answer go to the logs. */
  const fail = (operation: string, key: string, error: unknown): never => {
    throw new StorageUnavailableError(`S3 ${operation}`, key, { cause: error });
  };
  /**
   * Whether a read that S3 refused (403) was of a missing object. S3 answers 404 for a missing key only to
   * a caller allowed to list the bucket, and the functions' roles allow listing their own prefixes only (a
   * condition a GetObject request does not carry): the listing of the key itself tells the two apart, and
   * a key that exists, or a listing refused too, stays a refusal.
   */
  const deniedBecauseMissing = async (Key: string, error: unknown): Promise<boolean> => {
    if (!isDenied(error)) return false;
    try {
      const listed = await deps.client.send(
        new ListObjectsV2Command({ Bucket: deps.bucket, Prefix: Key, MaxKeys: 1 }),
      );
      return listed.Contents?.[0]?.Key !== Key;
    } catch {
      return false;
    }
  };

  return {
    location: `s3://${deps.bucket}/${base}`,
    async get(key) {
      const Key = keyOf(key);
      try {
        const response = await deps.client.send(new GetObjectCommand({ Bucket: deps.bucket, Key }));
        const body = Buffer.from((await response.Body?.transformToByteArray()) ?? new Uint8Array());
        return {
          body,
          etag: response.ETag ?? '',
          ...(response.ContentType ? { contentType: response.ContentType } : {}),
        };
      } catch (error) {
        if (isMissing(error) || (await deniedBecauseMissing(Key, error))) return undefined;
        return fail('GetObject', key, error);
      }
    },
    async etag(key) {
      const Key = keyOf(key);
      try {
        return (await deps.client.send(new HeadObjectCommand({ Bucket: deps.bucket, Key }))).ETag;
      } catch (error) {
        if (isMissing(error) || (await deniedBecauseMissing(Key, error))) return undefined;
        return fail('HeadObject', key, error);
      }
    },
    async put(key, body, options = {}) {
      const Key = keyOf(key);
      try {
        const response = await deps.client.send(
          new PutObjectCommand({
            Bucket: deps.bucket,
            Key,
            Body: body,
            ...(options.contentType ? { ContentType: options.contentType } : {}),
            ...(options.ifMatch ? { IfMatch: options.ifMatch } : {}),
            ...(options.ifNoneMatch ? { IfNoneMatch: options.ifNoneMatch } : {}),
          }),
        );
        return { etag: response.ETag ?? '' };
      } catch (error) {
        if (isConflict(error) || (options.ifMatch && isMissing(error)))
          throw new PreconditionFailedError(key);
        return fail('PutObject', key, error);
      }
    },
    async delete(key) {
      const Key = keyOf(key);
      try {
        await deps.client.send(new DeleteObjectCommand({ Bucket: deps.bucket, Key }));
      } catch (error) {
        if (!isMissing(error)) fail('DeleteObject', key, error);
      }
    },
    signedUrl: (key, expiresInSeconds) =>
      getSignedUrl(deps.client, new GetObjectCommand({ Bucket: deps.bucket, Key: keyOf(key) }), {
        expiresIn: expiresInSeconds,
      }),
    async list(prefix) {
      const keys: string[] = [];
      try {
        const pages = paginateListObjectsV2(
          { client: deps.client },
          { Bucket: deps.bucket, Prefix: `${base}${prefix}` },
        );
        for await (const page of pages) {
          for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key.slice(base.length));
        }
      } catch (error) {
        fail('ListObjectsV2', prefix, error);
      }
      return keys.sort();
    },
  };
}
