/**
 * Large models do not fit a Lambda layer: they are copied from S3 into the writable cache (/tmp) on first use
 * and reused by every later invocation of the container. The copy is staged and renamed into place, so an
 * interrupted download never leaves a folder that looks complete.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { parseS3Uri } from '../storage/s3-client';

export interface ModelFileStore {
  /** Where the store keeps a model, for messages. */
  describe(id: string): string;
  /** Copies model `id` into `targetDir` (replacing nothing that is already complete); returns the file count. */
  download(id: string, targetDir: string): Promise<number>;
}

export function createS3ModelStore(deps: { client: S3Client; uri: string }): ModelFileStore {
  const { bucket, prefix } = parseS3Uri(deps.uri);
  const keyPrefix = (id: string) => `${prefix ? `${prefix}/` : ''}${id}/`;

  return {
    describe: (id) => `s3://${bucket}/${keyPrefix(id)}`,
    async download(id, targetDir) {
      const base = keyPrefix(id);
      const keys: string[] = [];
      for await (const page of paginateListObjectsV2(
        { client: deps.client },
        { Bucket: bucket, Prefix: base },
      )) {
        for (const object of page.Contents ?? [])
          if (object.Key && !object.Key.endsWith('/')) keys.push(object.Key);
      }
      if (!keys.includes(`${base}config.json`)) {
        throw new Error(
          `s3://${bucket}/${base} holds no model (no config.json): upload it with \`npm run models:fetch -- --upload s3://${bucket}${prefix ? `/${prefix}` : ''}\``,
        );
      }
      const staging = `${targetDir}.partial-${randomUUID()}`;
      try {
        for (const key of keys) {
          const file = path.join(staging, ...key.slice(base.length).split('/'));
          if (!file.startsWith(staging + path.sep))
            throw new Error(`refusing S3 key outside the model folder: ${key}`);
          await fs.mkdir(path.dirname(file), { recursive: true });
          const { Body } = await deps.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          if (!(Body instanceof Readable)) throw new Error(`S3 returned no body for ${key}`);
          await pipeline(Body, createWriteStream(file));
        }
        await fs.mkdir(path.dirname(targetDir), { recursive: true });
        await fs.rename(staging, targetDir);
      } catch (error) {
        await fs.rm(staging, { recursive: true, force: true });
        throw error;
      }
      return keys.length;
    },
  };
}
