/**
 * The suite's OpenAPI 3.1 document, generated from the very schemas that validate requests and responses
 * (`z.toJSONSchema` on the zod/mini schemas): what a route accepts and answers can only be described here
 * as it is checked. Every route of `ROUTES` has an operation (a test holds the two together), with the
 * error shape of its family: the suite's own, or OpenAI's on `/v1`.
 */
import { CaptionOptions, CaptionResponse } from '../captioning/schema';
import { ChatRequest, ChatResponseBody, ForgetChatResponse } from '../chat/schema';
import { SessionId } from '../chat/session-store';
import {
  ClassifiedImage,
  ClassifyImageFields,
  DiffusionGenerateRequest,
  EbmGenerateRequest,
  GanGenerateRequest,
  GeneratedImages,
} from '../classic/schema';
import { SentimentRequest, SentimentResponse } from '../classification/schema';
import { CostEstimate } from '../costs/cost-estimate';
import { GenerateImageRequest } from '../diffusion/schema';
import { EmbedRequest, EmbedResponse } from '../embeddings/schema';
import { GenerateTextRequest, GenerateTextResponse } from '../generation/schema';
import { ClassicJobView, ImageJobView, JobView, ResearchJobView, SummaryJobView } from '../jobs/job-view';
import { HealthResponse } from '../models/health-view';
import { CorpusSummary, NgramGenerateRequest, NgramGeneration, NgramTrainRequest } from '../ngram/schema';
import {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  Completion,
  CompletionRequest,
  EmbeddingList,
  EmbeddingRequest,
  ModelList,
  OpenAiErrorBody,
} from '../openai/schema';
import { QaRequest, QaResponse } from '../qa/schema';
import {
  DeleteDocumentResponse,
  DocumentId,
  DocumentListResponse,
  IngestDocumentRequest,
  IngestDocumentResponse,
  RagAnswerResponse,
  RagFaissQueryRequest,
  RagQueryRequest,
} from '../rag/schema';
import { ResearcherRequest, ResearcherResponseBody } from '../research/researcher-service';
import * as z from '../schema';
import { SimilarRequest, SimilarResult } from '../similarity/schema';
import { SummarizeRequest, SummarizeResponse } from '../summarization/schema';
import { QaImageTextFields, VqaResponse } from '../vqa/vqa-service';
import { ErrorBody } from './error-response';
import { ROUTES, STREAMING_PATHS } from './routes';

type JsonSchema = Record<string, unknown>;

/** A schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect): requests as clients write them, responses as sent. */
export function jsonSchemaOf(schema: z.core.$ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

const json = (schema: z.core.$ZodType, io: 'input' | 'output') => ({
  'application/json': { schema: jsonSchemaOf(schema, io) },
});

interface Operation {
  readonly summary: string;
  readonly tag: string;
  readonly body?: z.core.$ZodType;
  /** Image routes: the image as multipart or JSON, beside these fields. */
  readonly imageFields?: z.core.$ZodType;
  readonly params?: Readonly<Record<string, z.core.$ZodType>>;
  readonly responses: Readonly<
    Record<string, { description: string; schema?: z.core.$ZodType; content?: object }>
  >;
}

const imageRequest = (fields: z.core.$ZodType) => {
  const properties = jsonSchemaOf(fields, 'input');
  const image = { type: 'string', contentMediaType: 'image/*', description: 'a PNG, JPEG or WebP image' };
  return {
    required: true,
    description:
      'The image as a multipart field `image`, as JSON `image_base64` or `image_s3_key`, or as a raw `image/*` ' +
      'body with the other fields in the query string.',
    content: {
      'multipart/form-data': {
        schema: { ...properties, properties: { ...(properties.properties as object), image } },
      },
      'application/json': {
        schema: {
          ...properties,
          properties: {
            ...(properties.properties as object),
            image_base64: { type: 'string', contentEncoding: 'base64' },
            image_s3_key: { type: 'string' },
          },
        },
      },
    },
  };
};

/** A stream of server-sent events; OpenAPI 3.1 cannot type its events, so the description names them. */
const eventStream = (description: string) => ({
  'text/event-stream': { schema: { type: 'string', description } },
});

const STREAMING_NOTE =
  ' With `"stream": true`, server-sent events as tokens are generated (from the streaming URL where deployed).';

const JobId = z.string().check(z.minLength(1), z.maxLength(64));

const OPERATIONS: Readonly<Record<string, Operation>> = {
  'GET /health': {
    summary: 'Liveness, the model profile, and the model of every capability',
    tag: 'service',
    responses: { '200': { description: 'the service and its models', schema: HealthResponse } },
  },
  'GET /metrics': {
    summary: 'Usage figures per route in Prometheus text format (the local server; deployed, 404)',
    tag: 'service',
    responses: {
      '200': {
        description:
          'the process registry of requests, errors, latency, tokens, images, costs, cache, safety and model loads',
        content: { 'text/plain': { schema: { type: 'string' } } },
      },
    },
  },
  'POST /hello-llm': {
    summary: 'Text generation from a prompt',
    tag: 'text',
    body: GenerateTextRequest,
    responses: {
      '200': {
        description: `the generated text${STREAMING_NOTE}`,
        schema: GenerateTextResponse,
        content: eventStream(
          '`event: token` with `{"text"}` per piece, then `event: done` with the whole response',
        ),
      },
    },
  },
  'POST /summarize': {
    summary: 'Abstractive summary of a text: at once up to 4,500 characters, as a job up to 40,000',
    tag: 'text',
    body: SummarizeRequest,
    responses: {
      '200': { description: 'the summary', schema: SummarizeResponse },
      '202': {
        description: 'a text over 4,500 characters: the summary job to poll (`Location` header)',
        schema: SummaryJobView,
      },
    },
  },
  'POST /sentiment': {
    summary: 'Positive or negative, with every label score, for one text or a batch',
    tag: 'text',
    body: SentimentRequest,
    responses: { '200': { description: 'the labels', schema: SentimentResponse } },
  },
  'POST /embed': {
    summary: 'Normalized sentence embeddings',
    tag: 'text',
    body: EmbedRequest,
    responses: { '200': { description: 'one unit vector per text', schema: EmbedResponse } },
  },
  'POST /ngram/train': {
    summary:
      'Train a bigram or trigram word model of a text, stored under its corpus id (replacing any before)',
    tag: 'text',
    body: NgramTrainRequest,
    responses: { '200': { description: 'the stored model, summarized', schema: CorpusSummary } },
  },
  'POST /generate': {
    summary: "Text sampled from an n-gram corpus (the suite's own documentation by default), seeded",
    tag: 'text',
    body: NgramGenerateRequest,
    responses: {
      '200': {
        description: 'the text, its tokens and the seed that samples it again',
        schema: NgramGeneration,
      },
    },
  },
  'POST /qa': {
    summary: 'Answers to a question, extracted from its context or the ingested documents, or sampled',
    tag: 'text',
    body: QaRequest,
    responses: { '200': { description: 'the best distinct answers', schema: QaResponse } },
  },
  'POST /similar': {
    summary: 'The entries of a vocabulary nearest to a word or phrase, by cosine similarity of embeddings',
    tag: 'text',
    body: SimilarRequest,
    responses: { '200': { description: 'the nearest entries, best first', schema: SimilarResult } },
  },
  'POST /caption-image': {
    summary: 'Caption an image',
    tag: 'images',
    imageFields: CaptionOptions,
    responses: { '200': { description: 'the caption', schema: CaptionResponse } },
  },
  'POST /qa-image-text': {
    summary: 'Answer a question about an image',
    tag: 'images',
    imageFields: QaImageTextFields,
    responses: { '200': { description: 'the answer', schema: VqaResponse } },
  },
  'POST /classify-image': {
    summary: 'The top-k labels of an image, from the ImageNet ViT or the CIFAR-10 CNN',
    tag: 'images',
    imageFields: ClassifyImageFields,
    responses: { '200': { description: 'the labels, best first', schema: ClassifiedImage } },
  },
  'POST /gan/generate': {
    summary: 'PNG images from the DCGAN generator (28×28 grayscale), seeded',
    tag: 'classic',
    body: GanGenerateRequest,
    responses: { '200': { description: 'the images, the seed and their size', schema: GeneratedImages } },
  },
  'POST /diffusion/generate': {
    summary: 'PNG images from the DDPM UNet (32×32 RGB), sampled with DDPM or DDIM, seeded',
    tag: 'classic',
    body: DiffusionGenerateRequest,
    responses: {
      '200': { description: 'the images, the seed and their size', schema: GeneratedImages },
      '202': {
        description: 'a run above CLASSIC_SYNC_MAX_WORK (steps × count): the job to poll (`Location` header)',
        schema: ClassicJobView,
      },
    },
  },
  'POST /ebm/generate': {
    summary: 'PNG images by Langevin dynamics over the energy-based model (28×28 grayscale), seeded',
    tag: 'classic',
    body: EbmGenerateRequest,
    responses: {
      '200': { description: 'the images, the seed and their size', schema: GeneratedImages },
      '202': {
        description: 'a run above CLASSIC_SYNC_MAX_WORK (steps × count): the job to poll (`Location` header)',
        schema: ClassicJobView,
      },
    },
  },
  'POST /generate-image': {
    summary: 'Stable Diffusion text-to-image, as a job (or synchronously for small requests)',
    tag: 'images',
    body: GenerateImageRequest,
    responses: {
      '202': { description: 'the job to poll (`Location` header)', schema: ImageJobView },
      '200': { description: 'the finished job, in synchronous mode', schema: ImageJobView },
    },
  },
  'GET /jobs/{id}': {
    summary: "A job's status, progress and result (image links, or a classic generator's PNGs)",
    tag: 'images',
    params: { id: JobId },
    responses: { '200': { description: 'the job', schema: JobView } },
  },
  'GET /jobs/{id}/images/{index}': {
    summary: "One of a finished job's images",
    tag: 'images',
    params: { id: JobId, index: z.number().check(z.int(), z.minimum(0)) },
    responses: {
      '200': {
        description: 'the PNG',
        content: { 'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } } },
      },
    },
  },
  'POST /documents': {
    summary: 'Ingest a document (text, Markdown or HTML) into every configured vector store',
    tag: 'documents',
    body: IngestDocumentRequest,
    responses: {
      '201': { description: 'a new document', schema: IngestDocumentResponse },
      '200': { description: 'a new version of a document', schema: IngestDocumentResponse },
    },
  },
  'GET /documents': {
    summary: 'The committed documents',
    tag: 'documents',
    responses: { '200': { description: 'the documents', schema: DocumentListResponse } },
  },
  'DELETE /documents/{id}': {
    summary: 'Delete a document from every store',
    tag: 'documents',
    params: { id: DocumentId },
    responses: { '200': { description: 'deleted', schema: DeleteDocumentResponse } },
  },
  'POST /rag-query': {
    summary: 'An answer grounded in the documents, with sources, from Chroma or Pinecone',
    tag: 'documents',
    body: RagQueryRequest,
    responses: { '200': { description: 'the answer and its sources', schema: RagAnswerResponse } },
  },
  'POST /rag-faiss-query': {
    summary: 'The same over the FAISS index',
    tag: 'documents',
    body: RagFaissQueryRequest,
    responses: { '200': { description: 'the answer and its sources', schema: RagAnswerResponse } },
  },
  'POST /chat': {
    summary: 'Route a message to the right capability, say why, and remember the conversation',
    tag: 'chat',
    body: ChatRequest,
    responses: { '200': { description: 'the reply, the route and why', schema: ChatResponseBody } },
  },
  'DELETE /chat/{session_id}': {
    summary: "Forget a session's memory",
    tag: 'chat',
    params: { session_id: SessionId },
    responses: { '200': { description: 'whether there was one', schema: ForgetChatResponse } },
  },
  'POST /researcher': {
    summary:
      "A Wikipedia article's summary and sentiment, through a Step Functions workflow: its lead at once, the whole article (up to RESEARCHER_MAX_JOB_ARTICLE_CHARS characters) as a job",
    tag: 'research',
    body: ResearcherRequest,
    responses: {
      '200': { description: 'the article, its summary and sentiment', schema: ResearcherResponseBody },
      '202': {
        description: '`read: "full"`: the research job to poll (`Location` header)',
        schema: ResearchJobView,
      },
    },
  },
  'POST /v1/chat/completions': {
    summary: "OpenAI's chat completions",
    tag: 'openai',
    body: ChatCompletionRequest,
    responses: {
      '200': {
        description: `the completion${STREAMING_NOTE}`,
        schema: ChatCompletion,
        content: eventStream(
          '`data: ` and a chat.completion.chunk (#/components/schemas/ChatCompletionChunk) per piece, then `data: [DONE]`',
        ),
      },
    },
  },
  'POST /v1/completions': {
    summary: "OpenAI's text completions",
    tag: 'openai',
    body: CompletionRequest,
    responses: {
      '200': {
        description: `the completion${STREAMING_NOTE}`,
        schema: Completion,
        content: eventStream(
          '`data: ` and a text_completion (the response schema) per piece, then `data: [DONE]`',
        ),
      },
    },
  },
  'POST /v1/embeddings': {
    summary: "OpenAI's embeddings",
    tag: 'openai',
    body: EmbeddingRequest,
    responses: { '200': { description: 'the vectors', schema: EmbeddingList } },
  },
  'GET /v1/models': {
    summary: 'The models the `/v1` routes serve',
    tag: 'openai',
    responses: { '200': { description: 'the models', schema: ModelList } },
  },
  'GET /openapi.json': {
    summary: 'This document',
    tag: 'service',
    responses: {
      '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } },
    },
  },
  'GET /docs': {
    summary: 'The API reference page (Swagger UI, served from its npm package)',
    tag: 'service',
    responses: { '200': { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } } },
  },
  'GET /docs/{file}': {
    summary: "The reference page's scripts and styles",
    tag: 'service',
    params: { file: z.string() },
    responses: {
      '200': {
        description: 'a JavaScript or CSS file',
        content: { 'text/plain': { schema: { type: 'string' } } },
      },
    },
  },
};

/**
 * A 2xx JSON object as the HTTP layer sends it: with the request's `cost` (shared/http/handler.ts). Optional
 * in the schema, since the route's own schema (what its service returns) has none.
 */
function withCost(schema: z.core.$ZodType): z.core.$ZodType {
  return schema instanceof z.ZodMiniObject
    ? z.extend(schema, {
        cost: z.optional(CostEstimate),
      })
    : schema;
}

/** The response schema of a route's answer with `status`, for checking samples (undefined when not JSON). */
export function responseSchemaOf(method: string, path: string, status: number): z.core.$ZodType | undefined {
  if (status >= 400) return path.startsWith('/v1/') ? OpenAiErrorBody : ErrorBody;
  const schema = OPERATIONS[`${method} ${path}`]?.responses[String(status)]?.schema;
  return schema ? withCost(schema) : undefined;
}

function operationOf(method: string, path: string, operation: Operation) {
  const errorSchema = path.startsWith('/v1/')
    ? '#/components/schemas/OpenAiError'
    : '#/components/schemas/Error';
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(operation.responses)) {
    responses[status] = {
      description: response.description,
      content: { ...(response.schema ? json(withCost(response.schema), 'output') : {}), ...response.content },
    };
  }
  responses.default = {
    description:
      'an error: 4xx for the request, 5xx for the service (503 with Retry-After when it may soon answer)',
    content: { 'application/json': { schema: { $ref: errorSchema } } },
  };
  return {
    operationId: `${method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[/.-](\w)/g, (_, c: string) => c.toUpperCase())}`,
    summary: operation.summary,
    tags: [operation.tag],
    ...(operation.params
      ? {
          parameters: Object.entries(operation.params).map(([name, schema]) => ({
            name,
            in: 'path',
            required: true,
            schema: jsonSchemaOf(schema, 'input'),
          })),
        }
      : {}),
    ...(operation.body ? { requestBody: { required: true, content: json(operation.body, 'input') } } : {}),
    ...(operation.imageFields ? { requestBody: imageRequest(operation.imageFields) } : {}),
    responses,
  };
}

/** Every operation's route key (`METHOD /path`), for the test that holds them to the served routes. */
export const DOCUMENTED_ROUTES = Object.keys(OPERATIONS);

export function openApiDocument(options: { serverUrl?: string; streamingUrl?: string } = {}) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [key, operation] of Object.entries(OPERATIONS)) {
    const [method = 'GET', path = '/'] = key.split(' ');
    paths[path] = { ...paths[path], [method.toLowerCase()]: operationOf(method, path, operation) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'genai-endpoints',
      version: '0.1.0',
      description:
        'Generative-AI HTTP endpoints on AWS Lambda and API Gateway, and locally under serverless-offline. ' +
        `Routes that stream (${STREAMING_PATHS.join(', ')}) answer \`"stream": true\` as server-sent events.`,
    },
    servers: [
      { url: options.serverUrl ?? '/', description: 'this API' },
      ...(options.streamingUrl ? [{ url: options.streamingUrl, description: 'the streaming URL' }] : []),
    ],
    tags: ['service', 'text', 'images', 'classic', 'documents', 'chat', 'research', 'openai'].map((name) => ({
      name,
    })),
    paths,
    components: {
      schemas: {
        Error: jsonSchemaOf(ErrorBody, 'output'),
        OpenAiError: jsonSchemaOf(OpenAiErrorBody, 'output'),
        ChatCompletionChunk: jsonSchemaOf(ChatCompletionChunk, 'output'),
      },
    },
  };
}

/** The routes the suite serves, as `METHOD /path`: the HTTP API's routes. */
export const SERVED_ROUTES = ROUTES.map((route) => `${route.method} ${route.path}`);
