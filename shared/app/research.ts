/**
 * What the researcher's workflow steps use, each composed on its own: the fetch step has no model runtime,
 * the analysis steps no HTTP client. The article cache lives with the documents (the bucket, or DATA_DIR).
 */
import { createSentimentService } from '../classification/sentiment-service';
import { type ArticleCache, createArticleCache } from '../research/article-cache';
import { createArticleSentiment } from '../research/article-sentiment';
import { createWikipediaClient, type WikipediaClient } from '../research/wikipedia-client';
import { createWikipediaHttp } from '../research/wikipedia-http';
import { createSummarizationService } from '../summarization/summarization-service';
import type { BaseDependencies } from './base';
import { composeDocumentBlobs } from './document-blobs';
import { composeBucketModelRuntime } from './model-bucket';
import { composeModelRuntime } from './model-runtime';

export function composeArticleCache({ config, logger }: BaseDependencies): ArticleCache {
  return createArticleCache({ blobs: composeDocumentBlobs(config), logger });
}

/** The Wikipedia client; its articles kept in `cache` (the steps' shared one), else the documents' store. */
export function composeWikipediaClient(
  base: BaseDependencies,
  cache: ArticleCache = composeArticleCache(base),
): WikipediaClient {
  const { research } = base.config;
  return createWikipediaClient({
    http: createWikipediaHttp({
      userAgent: research.userAgent,
      timeoutMs: research.timeoutMs,
      maxAttempts: research.maxAttempts,
    }),
    apiUrl: research.wikipediaApiUrl,
    cache,
  });
}

export const composeArticleFetch = (base: BaseDependencies) => ({
  ...base,
  wikipedia: composeWikipediaClient(base),
});

export const composeArticleSummary = (base: BaseDependencies) => ({
  ...base,
  articles: composeArticleCache(base),
  summarization: createSummarizationService({
    runtime: composeBucketModelRuntime(base),
  }),
});

export const composeArticleSentiment = (base: BaseDependencies) => {
  const runtime = composeModelRuntime(base);
  return {
    ...base,
    articles: composeArticleCache(base),
    articleSentiment: createArticleSentiment({ runtime, sentiment: createSentimentService({ runtime }) }),
  };
};
