/**
 * POST /qa: answers to a question, extracted from the caller's context or from the ingested documents
 * (retrieve the nearest committed chunks, then extract from each, with its source), or sampled from the
 * text generator (`mode: "generative"`, one seed per answer). Each answer can be written in the caller's
 * response format (`template`).
 */
import { randomInt } from 'node:crypto';
import type { EmbeddingService } from '../embeddings/embedding-service';
import { RequestValidationError } from '../errors';
import type { TextGenerationService } from '../generation/text-generation-service';
import type { ModelInfo } from '../models/model-info';
import { elapsedMs } from '../models/model-info';
import { QA_GENERATIVE_PROMPT } from '../prompts/qa-generative';
import type { CommittedVersions } from '../rag/committed-versions';
import type { VectorStore } from '../vectors/vector-store';
import type { ExtractiveQaService } from './extractive-qa';
import type { AnswerTemplate, QaAnswer, QaRequest, QaResponse } from './schema';

/** How many ingested chunks a question without context is answered from. */
const RETRIEVED_CHUNKS = 3;

const written = (answer: string, template?: AnswerTemplate) =>
  template ? { formatted: `${template.prefix}${answer}${template.suffix}` } : {};

export interface QaService {
  answer(request: QaRequest): Promise<QaResponse>;
}

export function createQaService(deps: {
  extractive: ExtractiveQaService;
  generator: TextGenerationService;
  embeddings: EmbeddingService;
  committed: CommittedVersions;
  /** The documents' store, read only for questions without a context. */
  store: () => VectorStore;
}): QaService {
  async function generative(request: QaRequest): Promise<QaResponse> {
    const started = performance.now();
    const { text, prompt } = QA_GENERATIVE_PROMPT.render(
      { question: request.question, ...(request.context !== undefined ? { context: request.context } : {}) },
      request.prompt_version,
    );
    const first = request.seed ?? randomInt(2 ** 32 - request.top_k);
    const answers: QaAnswer[] = [];
    let model: ModelInfo | undefined;
    for (let i = 0; i < request.top_k; i++) {
      const seed = (first + i) % 2 ** 32;
      const result = await deps.generator.generate({
        prompt: text,
        max_new_tokens: request.max_new_tokens,
        temperature: request.temperature,
        do_sample: true,
        top_k: 50,
        top_p: 1,
        repetition_penalty: 1,
        seed,
      });
      model = result.model;
      const answer = result.completion.trim();
      answers.push({ answer, ...written(answer, request.template), seed });
    }
    return {
      question: request.question,
      mode: 'generative',
      answers,
      prompt,
      model: model as ModelInfo,
      timing_ms: elapsedMs(started),
    };
  }

  async function fromDocuments(request: QaRequest): Promise<QaResponse> {
    const started = performance.now();
    const embedded = await deps.embeddings.embed([request.question]);
    const hits = await deps.store().query(embedded.vectors[0] as Float32Array, RETRIEVED_CHUNKS * 2 + 8);
    const chunks = (await deps.committed.visible(hits)).slice(0, RETRIEVED_CHUNKS);
    const extracted = await deps.extractive.extract(
      request.question,
      chunks.map((c) => c.text),
      request.top_k,
    );
    const answers = extracted.answers
      .flatMap((list, i) => {
        const chunk = chunks[i];
        if (!chunk) return [];
        const source = { document_id: chunk.documentId, chunk_index: chunk.chunkIndex, score: chunk.score };
        return list.map((a) => ({ ...a, ...written(a.answer, request.template), source }));
      })
      .sort((a, b) => b.score - a.score)
      .slice(0, request.top_k);
    return {
      question: request.question,
      mode: 'extractive',
      answers,
      model: extracted.model,
      timing_ms: elapsedMs(started),
    };
  }

  return {
    async answer(request) {
      if (request.mode === 'generative') return generative(request);
      if (request.prompt_version !== undefined) {
        throw new RequestValidationError([
          { path: 'prompt_version', message: 'only the generative mode uses a prompt' },
        ]);
      }
      if (request.context === undefined) return fromDocuments(request);
      const started = performance.now();
      const extracted = await deps.extractive.extract(request.question, [request.context], request.top_k);
      return {
        question: request.question,
        mode: 'extractive',
        answers: (extracted.answers[0] ?? []).map((a) => ({ ...a, ...written(a.answer, request.template) })),
        model: extracted.model,
        timing_ms: elapsedMs(started),
      };
    },
  };
}
