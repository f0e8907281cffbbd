/**
 * POST /researcher over a workflow run: the run's output, checked against the states' contract, becomes
 * the answer, a 404 with suggestions, a 409 with candidate titles, or the error of the step that failed.
 */

import {
  ArticleNotFoundError,
  DisambiguationError,
  GatewayTimeoutError,
  type HttpError,
  ModelUnavailableError,
  StorageUnavailableError,
  UpstreamError,
  WikipediaUnavailableError,
} from '../errors';
import * as z from '../schema';
import type { SummarizationLimits } from '../summarization/summarization-service';
import { ArticleRef, WikipediaLang } from './wikipedia-article';
import type { ResearchWorkflow } from './workflow';

export const ResearcherRequest = z.strictObject({
  topic: z.string().check(z.trim(), z.minLength(1, 'topic must not be empty'), z.maxLength(300)),
  lang: z._default(WikipediaLang, 'en'),
  /** Longest summary, in tokens (as /summarize counts them). */
  max_length: z._default(z.number().check(z.int(), z.minimum(5), z.maximum(512)), 142),
  /**
   * How much of the article is read: its lead (RESEARCHER_MAX_ARTICLE_CHARS, one summary chunk, answered
   * at once), or the whole of it up to RESEARCHER_MAX_JOB_ARTICLE_CHARS, as a job (202, `GET /jobs/{id}`).
   */
  read: z._default(z.enum(['lead', 'full']), 'lead'),
});
export type ResearcherRequest = z.output<typeof ResearcherRequest>;

const Model = z.object({ id: z.string(), profile: z.enum(['standard', 'tiny']) });
const LabelScore = z.object({ label: z.string(), score: z.number() });

const Succeeded = z.object({
  status: z.literal('succeeded'),
  article: ArticleRef,
  summary: z.object({ summary: z.string(), chunks: z.number(), rounds: z.number(), model: Model }),
  sentiment: z.extend(LabelScore, {
    scores: z.array(LabelScore),
    windows: z.number(),
    distribution: z.array(z.object({ label: z.string(), windows: z.number() })),
    model: Model,
  }),
});

const NoArticle = z.object({
  status: z.literal('no_article'),
  lookup: z.discriminatedUnion('status', [
    z.object({
      status: z.literal('not_found'),
      topic: z.string(),
      lang: z.string(),
      suggestions: z.array(z.string()),
    }),
    z.object({
      status: z.literal('disambiguation'),
      title: z.string(),
      lang: z.string(),
      candidates: z.array(z.string()),
    }),
  ]),
});

const Failed = z.object({
  status: z.literal('failed'),
  state: z.string(),
  error: z.string(),
  cause: z.unknown(),
});

const WorkflowOutput = z.discriminatedUnion('status', [Succeeded, NoArticle, Failed]);

/** A Lambda error's cause, as Step Functions reports it in AWS (JSON) or the local run does (the message). */
const LambdaCause = z.looseObject({ errorMessage: z.string() });

function causeMessage(cause: unknown): string {
  if (typeof cause !== 'string') return '';
  try {
    const parsed = LambdaCause.safeParse(JSON.parse(cause));
    if (parsed.success) return parsed.data.errorMessage;
  } catch {
    // the local run reports the message itself
  }
  return cause;
}

/** The error a failed step's error name stands for; the message is the step's own where it is public. */
export function failureError(failure: z.output<typeof Failed>): HttpError {
  const message = causeMessage(failure.cause);
  switch (failure.error) {
    case 'WikipediaUnavailableError':
      return new WikipediaUnavailableError(message || 'Wikipedia cannot be reached; retry later');
    case 'UpstreamError':
      return new UpstreamError(message || 'Wikipedia answered something the researcher cannot read');
    case 'ModelUnavailableError':
      return new ModelUnavailableError(message || 'a model of the researcher cannot be loaded; retry later');
    case 'StorageUnavailableError':
      return new StorageUnavailableError('access', 'research/wikipedia');
    case 'States.Timeout':
      return new GatewayTimeoutError(`the research step ${failure.state} ran out of its time; retry later`);
    default:
      return new UpstreamError(
        `the research workflow failed at ${failure.state} (${failure.error}); retry later`,
      );
  }
}

/**
 * What `POST /researcher` answers, and a research job's result: the API's description, and the schema a
 * job's stored result is read back through.
 */
export const ResearcherResponseBody = z.object({
  title: z.string(),
  url: z.string(),
  lang: z.string(),
  revision: z.number(),
  summary: z.string(),
  /** Chunks the read text was summarized in (one for the lead), and summarization passes. */
  summary_chunks: z.number(),
  summary_rounds: z.number(),
  sentiment: z.omit(Succeeded.shape.sentiment, { model: true }),
  model: z.object({ summarization: Model, sentiment: Model }),
  article: z.object({ characters: z.number(), read_characters: z.number() }),
  trace: z.array(
    z.object({
      state: z.string(),
      ms: z.number(),
      status: z.enum(['succeeded', 'failed', 'caught']),
      retries: z.nullable(z.number()),
    }),
  ),
  execution: z.object({ mode: z.enum(['local', 'aws']), id: z.string() }),
});

export type ResearcherResponse = z.output<typeof ResearcherResponseBody>;

/** How much one run may read and summarize: a synchronous answer's one chunk, or a job's whole article. */
export interface ResearchReading {
  readonly maxArticleChars: number;
  readonly summary: SummarizationLimits;
}

export function createResearcherService(deps: { workflow: ResearchWorkflow; reading: ResearchReading }) {
  const { maxArticleChars, summary: limits } = deps.reading;
  return {
    async research(request: ResearcherRequest): Promise<ResearcherResponse> {
      const run = await deps.workflow.run({
        topic: request.topic,
        lang: request.lang,
        max_length: request.max_length,
        max_article_chars: maxArticleChars,
        max_chunks: limits.maxChunks,
        max_rounds: limits.maxRounds,
      });
      const parsed = WorkflowOutput.safeParse(run.output);
      if (!parsed.success) throw new UpstreamError('the research workflow answered in an unexpected shape');
      const output = parsed.data;
      if (output.status === 'failed') throw failureError(output);
      if (output.status === 'no_article') {
        const { lookup } = output;
        throw lookup.status === 'not_found'
          ? new ArticleNotFoundError(lookup.topic, lookup.lang, lookup.suggestions)
          : new DisambiguationError(lookup.title, lookup.lang, lookup.candidates);
      }
      const { article, summary, sentiment } = output;
      const { model: sentimentModel, ...sentimentResult } = sentiment;
      return {
        title: article.title,
        url: article.url,
        lang: article.lang,
        revision: article.revision,
        summary: summary.summary,
        summary_chunks: summary.chunks,
        summary_rounds: summary.rounds,
        sentiment: sentimentResult,
        model: { summarization: summary.model, sentiment: sentimentModel },
        article: { characters: article.characters, read_characters: article.read_characters },
        trace: run.trace,
        execution: run.execution,
      };
    },
  };
}

export type ResearcherService = ReturnType<typeof createResearcherService>;
