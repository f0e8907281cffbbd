/**
 * Articles by title, revision and read limit in the BlobStore: Wikipedia is read once per revision and limit,
 * and the workflow's states pass the key rather than the text (Step Functions carries at most 256 KB between
 * states). The limit is part of the key so that a job's long read never replaces the short text a
 * synchronous run's later states are about to read under the same revision.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { UpstreamError } from '../errors';
import type { BlobStore } from '../storage/blob-store';
import { CachedArticle } from './wikipedia-article';

export interface ArticleCache {
  keyOf(lang: string, title: string, revision: number, maxChars: number): string;
  /** The stored article, or undefined when absent or unreadable (then it is read again). */
  find(key: string, title: string): Promise<CachedArticle | undefined>;
  put(article: CachedArticle): Promise<void>;
  /** The article a workflow state refers to: it must be there. */
  read(key: string): Promise<CachedArticle>;
}

export const ARTICLE_CACHE_PREFIX = 'research/wikipedia/';

const parse = (body: Buffer) => {
  try {
    return CachedArticle.safeParse(JSON.parse(body.toString('utf8')));
  } catch {
    return undefined;
  }
};

export function createArticleCache(deps: { blobs: BlobStore; logger: Logger }): ArticleCache {
  return {
    // A title can be 255 bytes of anything: a hash keeps the key short and plain on any store.
    keyOf: (lang, title, revision, maxChars) =>
      `${ARTICLE_CACHE_PREFIX}${lang}/${createHash('sha256').update(title).digest('hex').slice(0, 32)}/${revision}/${maxChars}.json`,

    async find(key, title) {
      try {
        const blob = await deps.blobs.get(key);
        const parsed = blob && parse(blob.body);
        return parsed?.success && parsed.data.title === title ? parsed.data : undefined;
      } catch (error) {
        deps.logger.warn('article cache unreadable; reading Wikipedia', { key, error: error as Error });
        return undefined;
      }
    },

    async put(article) {
      await deps.blobs.put(article.key, JSON.stringify(article), { contentType: 'application/json' });
    },

    async read(key) {
      if (!key.startsWith(ARTICLE_CACHE_PREFIX)) throw new UpstreamError(`'${key}' is not a cached article`);
      const blob = await deps.blobs.get(key);
      const parsed = blob && parse(blob.body);
      if (!parsed?.success)
        throw new UpstreamError(`the article stored under '${key}' is missing or unreadable`);
      return parsed.data;
    },
  };
}
