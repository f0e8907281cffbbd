/**
 * A real S3-compatible server (s3rver) on a free 127.0.0.1 port, with a bucket, and a client for it.
 *
 * s3rver predates S3's conditional writes and ignores If-Match / If-None-Match on PutObject, and it writes
 * objects in place. A small gate in front of it applies the write conditions as S3 documents them (412
 * PreconditionFailed when the ETag differs or the object exists) and runs the requests on one key one at a
 * time, as S3's atomic object visibility implies, so optimistic-concurrency code is tested for real.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { createS3Client } from '../../shared/storage/s3-client';

export interface LocalS3 {
  readonly endpoint: string;
  readonly client: S3Client;
  readonly bucket: string;
  /** Conditional PUTs refused with 412 so far. */
  readonly refusedWrites: () => number;
  stop(): Promise<void>;
}

interface S3rverStore {
  getMetadata(bucket: string, key: string): Promise<{ etag?: string } | null>;
  existsObject(bucket: string, key: string): Promise<boolean>;
}

const preconditionFailed = (response: http.ServerResponse, key: string) => {
  response.writeHead(412, { 'content-type': 'application/xml' });
  response.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code>` +
      `<Message>At least one of the pre-conditions you specified did not hold</Message><Key>${key}</Key></Error>`,
  );
};

export async function startLocalS3(bucket = 'test-bucket'): Promise<LocalS3> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
  const s3rver = new S3rver({ silent: true, directory });
  const store = (s3rver as unknown as { store: S3rverStore }).store;
  const handle = s3rver.callback();
  const locks = new Map<string, Promise<void>>();
  let refused = 0;

  /** Runs `work` for a key after every earlier request on that key has finished. */
  const serialized = (lockKey: string, work: () => Promise<void>) => {
    const run = (locks.get(lockKey) ?? Promise.resolve()).then(work);
    locks.set(
      lockKey,
      run.catch(() => undefined),
    );
  };
  const passThrough = async (request: http.IncomingMessage, response: http.ServerResponse) => {
    handle(request, response);
    await once(response, 'close');
  };

  const server = http.createServer((request, response) => {
    const [, bucketName = '', ...keyParts] = new URL(request.url ?? '/', 'http://local').pathname.split('/');
    const key = keyParts.map(decodeURIComponent).join('/');
    const objectRequest = key !== '' && ['GET', 'HEAD', 'PUT', 'DELETE'].includes(request.method ?? '');
    if (!objectRequest) {
      handle(request, response);
      return;
    }
    // s3rver writes objects in place: requests on one key run one at a time, so that, as on S3, nobody
    // reads half an object and a conditional check and its write are one step.
    serialized(`${bucketName}/${key}`, async () => {
      const ifMatch = request.headers['if-match'];
      const ifNoneMatch = request.headers['if-none-match'];
      if (request.method === 'PUT' && (ifMatch || ifNoneMatch)) {
        const exists = await store.existsObject(bucketName, key);
        const etag = exists ? (await store.getMetadata(bucketName, key))?.etag : undefined;
        if ((ifNoneMatch === '*' && exists) || (ifMatch && ifMatch !== etag)) {
          refused++;
          request.resume();
          preconditionFailed(response, key);
          return;
        }
      }
      await passThrough(request, response);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = createS3Client({
    endpoint,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    endpoint,
    client,
    bucket,
    refusedWrites: () => refused,
    async stop() {
      client.destroy();
      server.closeAllConnections();
      server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
