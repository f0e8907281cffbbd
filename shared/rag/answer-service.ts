/**
 * Answers a question from retrieved chunks: embed the question, query a store, keep the chunks that score
 * at least `minScore`, and generate from a versioned prompt that numbers them. With nothing relevant (or
 * nothing ingested) it says it does not know, with no sources, instead of generating.
 */
import type { EmbeddingService } from '../embeddings/embedding-service';
import { RequestValidationError } from '../errors';
import type { TextGenerationService } from '../generation/text-generation-service';
import { elapsedMs } from '../models/model-info';
import { RAG_ANSWER_PROMPT } from '../prompts/rag-answer';
import { charactersThatFit, formatCharacters } from '../text/characters-that-fit';
import type { ChunkMatch, VectorFilter, VectorStore } from '../vectors/vector-store';
import type { CommittedVersions } from './committed-versions';
import type { RagAnswerResponse } from './schema';

export interface AnswerSettings {
  /** Lowest similarity a chunk needs to be used. */
  readonly minScore: number;
  /** Longest answer, in generator tokens. */
  readonly maxAnswerTokens: number;
}

export interface AnswerService {
  answer(request: {
    question: string;
    topK: number;
    store: VectorStore;
    filter?: VectorFilter;
    /** The answer prompt's version (`v1`); the newest when absent. */
    promptVersion?: string;
  }): Promise<RagAnswerResponse>;
}

export const NOTHING_INGESTED = "I don't know: no documents have been ingested yet.";
export const NOTHING_RELEVANT =
  "I don't know: none of the ingested passages is relevant enough to answer this question.";

/**
 * How many hits to ask a store for: a few more than `topK`, so that chunks of versions that are not
 * committed (filtered out) rarely leave the answer short.
 */
const candidatesFor = (topK: number) => Math.min(topK * 2 + 8, 100);

export function createAnswerService(deps: {
  embeddings: EmbeddingService;
  generator: TextGenerationService;
  /** Only chunks of committed versions are used: leftovers in a store are never an answer. */
  committed: CommittedVersions;
  settings: AnswerSettings;
}): AnswerService {
  /** Numbers passages into the prompt while they fit the generator's context; the last may be shortened. */
  async function fitPrompt(question: string, relevant: readonly ChunkMatch[], version: string) {
    const renderPrompt = (q: string, passages: readonly string[]) =>
      RAG_ANSWER_PROMPT.render({ question: q, passages: passages.join('\n') }, version).text;
    const renderPassage = (index: number, { source, text }: ChunkMatch) =>
      RAG_ANSWER_PROMPT.renderPart('passage', { index, source, text }, version);
    const { contextWindow, countTokens } = await deps.generator.promptLimits();
    const answerTokens = Math.min(deps.settings.maxAnswerTokens, Math.floor(contextWindow / 4));
    const budget = contextWindow - answerTokens;
    const tooLong = (withPassage: string[]) => {
      const tokens = countTokens(question);
      const fixed = countTokens(renderPrompt(question, withPassage)) - tokens;
      const fit = formatCharacters(charactersThatFit(question, tokens, budget - fixed));
      return new RequestValidationError([
        {
          path: 'question',
          message: `the question leaves no room for passages in the generator's context: keep it under about ${fit} characters`,
        },
      ]);
    };
    if (countTokens(renderPrompt(question, [])) > budget) throw tooLong([]);
    const passages: string[] = [];
    const used: ChunkMatch[] = [];
    for (const match of relevant) {
      const full = renderPassage(passages.length + 1, match);
      if (countTokens(renderPrompt(question, [...passages, full])) <= budget) {
        passages.push(full);
        used.push(match);
        continue;
      }
      // The longest word prefix that still fits, by bisection: a prefix fits whenever a longer one does.
      const words = full.split(' ');
      const shortened = (count: number) => `${words.slice(0, count).join(' ')} …`;
      const fits = (count: number) =>
        countTokens(renderPrompt(question, [...passages, shortened(count)])) <= budget;
      let low = 3;
      let high = words.length - 1;
      while (low < high) {
        const middle = Math.ceil((low + high) / 2);
        if (fits(middle)) low = middle;
        else high = middle - 1;
      }
      if (low > 3 && fits(low)) {
        passages.push(shortened(low));
        used.push(match);
      }
      break;
    }
    if (used.length === 0) {
      const first = relevant[0];
      throw tooLong(first ? [`${renderPassage(1, first).split(' ').slice(0, 4).join(' ')} …`] : []);
    }
    return { text: renderPrompt(question, passages), used, answerTokens };
  }

  return {
    async answer({ question, topK, store, filter, promptVersion }) {
      const started = performance.now();
      const prompt = RAG_ANSWER_PROMPT.resolve(promptVersion);
      const embedded = await deps.embeddings.embed([question]);
      const candidates = await store.query(embedded.vectors[0] as Float32Array, candidatesFor(topK), filter);
      const matches = (await deps.committed.visible(candidates)).slice(0, topK);
      const relevant = matches.filter((m) => m.score >= deps.settings.minScore);
      const base = {
        store: store.name,
        discarded: matches.length - relevant.length,
      };
      if (relevant.length === 0) {
        return {
          ...base,
          answer: matches.length === 0 && !filter ? NOTHING_INGESTED : NOTHING_RELEVANT,
          sources: [],
          model: { embeddings: embedded.model },
          timing_ms: elapsedMs(started),
        };
      }
      const { text: promptText, used, answerTokens } = await fitPrompt(question, relevant, prompt.version);
      const generated = await deps.generator.generate({
        prompt: promptText,
        max_new_tokens: Math.max(1, answerTokens),
        do_sample: false,
        temperature: 1,
        top_k: 50,
        top_p: 1,
        repetition_penalty: 1.2,
      });
      const sources = used.map(({ documentId, chunkIndex, score, text, source }) => ({
        document_id: documentId,
        chunk_index: chunkIndex,
        score,
        text,
        source,
      }));
      const text = generated.completion.trim();
      const cited = /\[\d+\]/.test(text);
      const citations = sources.map((s, i) => `[${i + 1}] ${s.document_id}#${s.chunk_index}`).join('; ');
      return {
        ...base,
        discarded: matches.length - used.length,
        prompt,
        answer: cited ? text : `${text}\n\nSources: ${citations}`,
        sources,
        model: { embeddings: embedded.model, generator: generated.model },
        timing_ms: elapsedMs(started),
      };
    },
  };
}
