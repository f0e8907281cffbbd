/**
 * The researcher's workflow steps, each its input's schema and what it does over the dependencies it names:
 * the step functions (functions/researcher-*) deploy them one per Lambda function, and the in-process runs
 * (`npm start`, the jobs worker) bind the definition's task states to the same steps.
 */

import { elapsedMs } from '../models/model-info';
import * as z from '../schema';
import { MAX_SUMMARY_JOB_TEXT_CHARS, MAX_SUMMARY_TEXT_CHARS } from '../summarization/limits';
import {
  DEFAULT_SUMMARIZATION_LIMITS,
  type SummarizationService,
} from '../summarization/summarization-service';
import { SUMMARY_JOB_LIMITS } from '../summarization/summary-jobs';
import type { ArticleCache } from './article-cache';
import type { ArticleSentimentClassifier } from './article-sentiment';
import { taskStep } from './task-function';
import { WikipediaLang } from './wikipedia-article';
import type { WikipediaClient } from './wikipedia-client';

const FetchInput = z.object({
  topic: z.string().check(z.minLength(1)),
  lang: WikipediaLang,
  /**
   * How much of the article is read: a synchronous answer's one chunk, or a job's whole article. Absent (an
   * execution started before the field existed, during a deployment), one chunk.
   */
  max_article_chars: z._default(
    z.number().check(z.int(), z.minimum(1), z.maximum(MAX_SUMMARY_JOB_TEXT_CHARS)),
    MAX_SUMMARY_TEXT_CHARS,
  ),
});

/**
 * FetchArticle: the article for a topic (its text stored, its reference returned), or why there is none (no
 * match, with suggestions; a disambiguation page, with candidates).
 */
export const fetchArticleStep = taskStep({
  name: 'researcher-fetch',
  input: FetchInput,
  handle: async ({ topic, lang, max_article_chars }, { wikipedia }: { wikipedia: WikipediaClient }) => {
    const started = performance.now();
    const lookup = await wikipedia.lookup(topic, lang, max_article_chars);
    return { ...lookup, timing_ms: elapsedMs(started) };
  },
});

const SummarizeInput = z.object({
  article_key: z.string().check(z.minLength(1)),
  max_length: z.number().check(z.int(), z.minimum(5), z.maximum(512)),
  /**
   * The summary's chunk limits: one chunk for a synchronous answer, a summary job's for a research job;
   * absent (as max_article_chars), a synchronous answer's.
   */
  max_chunks: z._default(
    z.number().check(z.int(), z.minimum(1), z.maximum(SUMMARY_JOB_LIMITS.maxChunks)),
    DEFAULT_SUMMARIZATION_LIMITS.maxChunks,
  ),
  max_rounds: z._default(
    z.number().check(z.int(), z.minimum(1), z.maximum(SUMMARY_JOB_LIMITS.maxRounds)),
    DEFAULT_SUMMARIZATION_LIMITS.maxRounds,
  ),
});

/** Summarize: the summary of the stored article, chunked and merged as /summarize does, within its limits. */
export const summarizeArticleStep = taskStep({
  name: 'researcher-summarize',
  input: SummarizeInput,
  handle: async (
    { article_key, max_length, max_chunks, max_rounds },
    { articles, summarization }: { articles: ArticleCache; summarization: SummarizationService },
  ) => {
    const { text } = await articles.read(article_key);
    const result = await summarization.summarize(
      { text, max_length, min_length: Math.min(30, max_length), num_beams: 1 },
      { maxChunks: max_chunks, maxRounds: max_rounds },
    );
    return {
      summary: result.summary,
      chunks: result.chunks,
      rounds: result.rounds,
      model: result.model,
      timing_ms: result.timing_ms,
    };
  },
});

const SentimentInput = z.object({ article_key: z.string().check(z.minLength(1)) });

/** ClassifySentiment: the whole stored article, in sentence windows, aggregated. */
export const classifyArticleStep = taskStep({
  name: 'researcher-sentiment',
  input: SentimentInput,
  handle: async (
    { article_key },
    { articles, articleSentiment }: { articles: ArticleCache; articleSentiment: ArticleSentimentClassifier },
  ) => {
    const { text } = await articles.read(article_key);
    return articleSentiment.classify(text);
  },
});
