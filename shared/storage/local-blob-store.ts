/**
 * A BlobStore on the local filesystem. Writes go to a temporary file renamed into place, and conditional
 * writes hold an exclusive lock file for the key, so concurrent writers (threads or processes) serialize.
 * Keys are plain relative keys (422 otherwise), and a filesystem failure (read-only or full disk,
 * permissions, a file where a folder should be) is a 503 StorageUnavailableError that names the operation
 * and the key; the root and the system error stay in its cause, for the logs.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PreconditionFailedError, StorageUnavailableError } from '../errors';
import { assertPlainKey, type BlobStore, type PutOptions, type StoredBlob } from './blob-store';

const etagOf = (body: Buffer) => `"${createHash('md5').update(body).digest('hex')}"`;
const LOCK_STALE_MS = 30_000;

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code;

export function createLocalBlobStore(options: { root: string }): BlobStore {
  const root = path.resolve(options.root);
  const fileOf = (key: string) => {
    assertPlainKey(key);
    return path.join(root, ...key.split('/'));
  };

  /** Runs a filesystem operation on `key`, turning its failure into a StorageUnavailableError. */
  async function guarded<T>(operation: string, key: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof PreconditionFailedError || error instanceof StorageUnavailableError) throw error;
      throw new StorageUnavailableError(operation, key, { cause: error });
    }
  }

  async function read(key: string): Promise<Buffer | undefined> {
    const file = fileOf(key);
    return guarded('read', key, async () => {
      try {
        return await fs.readFile(file);
      } catch (error) {
        // ENOTDIR: a key below a file (`a.txt/b`) is absent, like any key that was never written.
        if (codeOf(error) === 'ENOENT' || (codeOf(error) === 'ENOTDIR' && (await rootIsFolder())))
          return undefined;
        throw error;
      }
    });
  }

  /** Whether the root is a folder: ENOTDIR then comes from the key (`a.txt/b`), not from a broken root. */
  async function rootIsFolder(): Promise<boolean> {
    return (await fs.stat(root).catch(() => undefined))?.isDirectory() ?? false;
  }

  async function withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    const lock = `${fileOf(key)}.lock`;
    await guarded('lock', key, async () => {
      await fs.mkdir(path.dirname(lock), { recursive: true });
      for (let attempt = 0; ; attempt++) {
        try {
          const handle = await fs.open(lock, 'wx');
          await handle.close();
          return;
        } catch (error) {
          if (codeOf(error) !== 'EEXIST') throw error;
          const stat = await fs.stat(lock).catch(() => undefined);
          if (stat && Date.now() - stat.mtimeMs > LOCK_STALE_MS) await fs.rm(lock, { force: true });
          await new Promise((resolve) => setTimeout(resolve, Math.min(50, 2 + attempt)));
        }
      }
    });
    try {
      return await work();
    } finally {
      await fs.rm(lock, { force: true }).catch(() => undefined);
    }
  }

  async function write(key: string, body: Buffer): Promise<{ etag: string }> {
    const file = fileOf(key);
    return guarded('write', key, async () => {
      await fs.mkdir(path.dirname(file), { recursive: true });
      const temporary = `${file}.${randomUUID()}.tmp`;
      try {
        await fs.writeFile(temporary, body);
        await fs.rename(temporary, file);
      } catch (error) {
        await fs.rm(temporary, { force: true }).catch(() => undefined);
        throw error;
      }
      return { etag: etagOf(body) };
    });
  }

  return {
    location: root,
    async get(key): Promise<StoredBlob | undefined> {
      const body = await read(key);
      return body ? { body, etag: etagOf(body) } : undefined;
    },
    async etag(key) {
      const body = await read(key);
      return body ? etagOf(body) : undefined;
    },
    async put(key, content, putOptions: PutOptions = {}) {
      const body = typeof content === 'string' ? Buffer.from(content) : content;
      if (!putOptions.ifMatch && !putOptions.ifNoneMatch) return write(key, body);
      return withLock(key, async () => {
        const current = await read(key);
        if (putOptions.ifNoneMatch === '*' && current) throw new PreconditionFailedError(key);
        if (putOptions.ifMatch && (!current || etagOf(current) !== putOptions.ifMatch)) {
          throw new PreconditionFailedError(key);
        }
        return write(key, body);
      });
    },
    async delete(key) {
      const file = fileOf(key);
      await guarded('delete', key, () => fs.rm(file, { force: true }));
    },
    async list(prefix) {
      const folder = prefix.replace(/\/+$/, '');
      const base = folder ? fileOf(folder) : root;
      const entries = await guarded('list', prefix, async () => {
        try {
          return await fs.readdir(base, { recursive: true, withFileTypes: true });
        } catch (error) {
          if (codeOf(error) === 'ENOENT' || (codeOf(error) === 'ENOTDIR' && (await rootIsFolder())))
            return [];
          throw error;
        }
      });
      return entries
        .filter((e) => e.isFile() && !e.name.endsWith('.tmp') && !e.name.endsWith('.lock'))
        .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
        .filter((key) => key.startsWith(prefix))
        .sort();
    },
  };
}
