/**
 * A BlobStore on the local filesystem. Writes go to a temporary file renamed into place, and conditional
 * writes hold an exclusive lock file for the key, so concurrent writers (threads or processes) serialize.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { type BlobStore, PreconditionFailedError, type PutOptions, type StoredBlob } from './blob-store';

const etagOf = (body: Buffer) => `"${createHash('md5').update(body).digest('hex')}"`;
const LOCK_STALE_MS = 30_000;

export function createLocalBlobStore(options: { root: string }): BlobStore {
  const root = path.resolve(options.root);
  const fileOf = (key: string) => {
    const file = path.resolve(root, ...key.split('/'));
    if (!file.startsWith(root + path.sep)) throw new Error(`key escapes the store: ${key}`);
    return file;
  };

  async function read(key: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(fileOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async function withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    const lock = `${fileOf(key)}.lock`;
    await fs.mkdir(path.dirname(lock), { recursive: true });
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await fs.open(lock, 'wx');
        await handle.close();
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const stat = await fs.stat(lock).catch(() => undefined);
        if (stat && Date.now() - stat.mtimeMs > LOCK_STALE_MS) await fs.rm(lock, { force: true });
        await new Promise((resolve) => setTimeout(resolve, Math.min(50, 2 + attempt)));
      }
    }
    try {
      return await work();
    } finally {
      await fs.rm(lock, { force: true });
    }
  }

  async function write(key: string, body: Buffer): Promise<{ etag: string }> {
    const file = fileOf(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const temporary = `${file}.${randomUUID()}.tmp`;
    await fs.writeFile(temporary, body);
    await fs.rename(temporary, file);
    return { etag: etagOf(body) };
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
      await fs.rm(fileOf(key), { force: true });
    },
    async list(prefix) {
      const base = fileOf(prefix.replace(/\/+$/, '') || '.');
      const entries = await fs.readdir(base, { recursive: true, withFileTypes: true }).catch(() => []);
      return entries
        .filter((e) => e.isFile() && !e.name.endsWith('.tmp') && !e.name.endsWith('.lock'))
        .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
        .filter((key) => key.startsWith(prefix))
        .sort();
    },
  };
}
