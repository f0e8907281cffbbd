/**
 * S3 answers a read of a missing object with 403, not 404, to a role that may list only some prefixes of
 * the bucket: the store tells a missing object from a refused one by listing the key.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { StorageUnavailableError } from '../../shared/errors';
import { createS3BlobStore } from '../../shared/storage/s3-blob-store';

const denied = () =>
  new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } });

/** An S3 client that refuses every read, and lists `existing` (or refuses listing too). */
function refusingClient(existing: readonly string[] | 'denied'): S3Client {
  return {
    send: async (command: unknown) => {
      if (command instanceof GetObjectCommand || command instanceof HeadObjectCommand) throw denied();
      if (command instanceof ListObjectsV2Command) {
        if (existing === 'denied') throw denied();
        const prefix = command.input.Prefix ?? '';
        return { Contents: existing.filter((key) => key.startsWith(prefix)).map((Key) => ({ Key })) };
      }
      throw new Error('unexpected command');
    },
  } as unknown as S3Client;
}

describe('the S3 blob store, refused a read', () => {
  it('reads a missing object as missing when the listing of its key is empty', async () => {
    const store = createS3BlobStore({ client: refusingClient(['registry/other.json']), bucket: 'b' });
    await expect(store.get('registry/doc.json')).resolves.toBeUndefined();
    await expect(store.etag('registry/doc.json')).resolves.toBeUndefined();
  });

  it('keeps the refusal when the object exists, or when listing is refused too', async () => {
    const exists = createS3BlobStore({ client: refusingClient(['registry/doc.json']), bucket: 'b' });
    await expect(exists.get('registry/doc.json')).rejects.toBeInstanceOf(StorageUnavailableError);
    const blind = createS3BlobStore({ client: refusingClient('denied'), bucket: 'b' });
    await expect(blind.get('registry/doc.json')).rejects.toBeInstanceOf(StorageUnavailableError);
  });

  it('does not take a longer key under the same prefix for the object', async () => {
    const store = createS3BlobStore({ client: refusingClient(['registry/doc.json.bak']), bucket: 'b' });
    await expect(store.get('registry/doc.json')).resolves.toBeUndefined();
  });
});
