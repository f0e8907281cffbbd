/**
 * The researcher a research job runs: the workflow definition in-process under the job's time limits, its
 * task states bound to the steps over this function's own services (the summarizer and its model runtime
 * are the summary jobs', so the worker loads bart-large-cnn once), reading a whole article.
 */
import { createSentimentService } from '../classification/sentiment-service';
import type { ModelRuntime } from '../models/model-runtime';
import { createArticleCache } from '../research/article-cache';
import { createArticleSentiment } from '../research/article-sentiment';
import { createLocalWorkflow } from '../research/local-workflow';
import { RESEARCH_JOB_TIMEOUTS } from '../research/research-jobs';
import { classifyArticleStep, fetchArticleStep, summarizeArticleStep } from '../research/research-steps';
import { createResearcherService, type ResearcherService } from '../research/researcher-service';
import { taskHandler } from '../research/task-function';
import type { BlobStore } from '../storage/blob-store';
import type { SummarizationService } from '../summarization/summarization-service';
import { SUMMARY_JOB_LIMITS } from '../summarization/summary-jobs';
import type { BaseDependencies } from './base';
import { composeWikipediaClient } from './research';

export function composeResearchJobs(
  base: BaseDependencies,
  parts: { blobs: BlobStore; runtime: ModelRuntime; summarization: SummarizationService },
): ResearcherService {
  const articles = createArticleCache({ blobs: parts.blobs, logger: base.logger });
  const { runtime } = parts;
  const articleSentiment = createArticleSentiment({
    runtime,
    sentiment: createSentimentService({ runtime }),
  });
  const workflow = createLocalWorkflow({
    handlers: {
      // One article cache for the three steps: the fetch step stores the text the other two read.
      FetchArticle: taskHandler(fetchArticleStep, {
        ...base,
        wikipedia: composeWikipediaClient(base, articles),
      }),
      Summarize: taskHandler(summarizeArticleStep, {
        ...base,
        articles,
        summarization: parts.summarization,
      }),
      ClassifySentiment: taskHandler(classifyArticleStep, { ...base, articles, articleSentiment }),
    },
    timeouts: RESEARCH_JOB_TIMEOUTS,
  });
  return createResearcherService({
    workflow,
    reading: { maxArticleChars: base.config.research.maxJobArticleChars, summary: SUMMARY_JOB_LIMITS },
  });
}
