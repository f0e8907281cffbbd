/**
 * Least privilege in serverless.yml: every function has a role of its own (serverless-iam-roles-per-function)
 * whose statements are exactly what its code uses. The grants are read back from the statements and held to
 * a table, so that a function that loses a permission it needs, or gains one it does not, fails here; the
 * table's prefixes are the code's own constants, and a scan of each handler checks the table against what
 * the handler composes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readServerlessConfig } from '../../scripts/serverless-config';
import { CHAT_SESSIONS_PREFIX } from '../../shared/app/chat';
import { chunkEmbeddingsPrefix, versionsPrefix } from '../../shared/app/document-records';
import { loadConfig } from '../../shared/config/environment';
import { IMAGE_KEY_PREFIX } from '../../shared/http/image-upload';
import { CACHE_PREFIX } from '../../shared/http/response-cache';
import { GENERATED_PREFIX } from '../../shared/jobs/image-jobs';
import { JOBS_PREFIX } from '../../shared/jobs/job-store';
import { NGRAM_PREFIX } from '../../shared/ngram/ngram-service';
import { ARTICLE_CACHE_PREFIX } from '../../shared/research/article-cache';

const config = readServerlessConfig();
const { rag } = loadConfig({});
const DOCUMENTS = rag.documentsPrefix;
const REGISTRY = rag.registryPrefix;
const VERSIONS = versionsPrefix(REGISTRY);
const EMBEDDINGS = chunkEmbeddingsPrefix(REGISTRY);
const FAISS = `${rag.faiss.key.split('/')[0]}/`;
const RESEARCH = `${ARTICLE_CACHE_PREFIX.split('/')[0]}/`;
const BUCKET = 'arn:aws:s3:::${self:custom.documentsBucket}';

/**
 * Read (GetObject) and write (Get, Put, Delete) of a prefix come with listing it: the S3 blob store lists a
 * key that S3 refused to read, to tell a missing object from a refused one (shared/storage/s3-blob-store.ts).
 */
const read = (prefix: string) => [`read ${prefix}`, `list ${prefix}`];
const write = (prefix: string) => [`write ${prefix}`, `list ${prefix}`];
const KEYS = 'api keys';
const MODELS = ['models read', 'models list'];
const SEND_JOBS = 'send ImageJobsQueue';
const secret = (name: string) => `secret ${name}`;
const documentWriters = [
  KEYS,
  ...write(REGISTRY),
  ...write(VERSIONS),
  ...write(EMBEDDINGS),
  ...write(FAISS),
  secret('pinecone'),
];

/** What each function's code touches, from its handler down (see the compose functions in shared/app). */
const EXPECTED: Record<string, readonly string[]> = {
  apiAuthorizer: ['api keys read'],
  health: [],
  metrics: [],
  openApi: [],
  apiDocs: [],
  notFound: [],
  helloLlm: [KEYS, ...MODELS, ...write(CACHE_PREFIX)],
  summarize: [KEYS, ...MODELS, ...write(CACHE_PREFIX), ...write(JOBS_PREFIX), SEND_JOBS],
  sentiment: [KEYS, ...write(CACHE_PREFIX)],
  embed: [KEYS, ...write(CACHE_PREFIX)],
  captionImage: [KEYS, ...MODELS, ...write(CACHE_PREFIX), ...read(IMAGE_KEY_PREFIX)],
  ingestDocument: documentWriters,
  listDocuments: [KEYS, ...read(REGISTRY)],
  deleteDocument: documentWriters,
  ragQuery: [KEYS, ...MODELS, ...read(REGISTRY), secret('pinecone')],
  ragFaissQuery: [KEYS, ...MODELS, ...read(REGISTRY), ...read(FAISS)],
  documentsS3: [
    ...read(DOCUMENTS),
    ...documentWriters.filter((grant) => grant !== KEYS),
    'send DocumentsDeadLetterQueue',
  ],
  qaImageText: [KEYS, ...read(IMAGE_KEY_PREFIX), secret('gemini'), secret('gpuService')],
  generateImage: [KEYS, ...write(JOBS_PREFIX), ...write(GENERATED_PREFIX), SEND_JOBS],
  getJob: [KEYS, ...write(JOBS_PREFIX), ...read(GENERATED_PREFIX), SEND_JOBS],
  getJobImage: [KEYS, ...write(JOBS_PREFIX), ...read(GENERATED_PREFIX)],
  imageJobsWorker: [
    ...MODELS,
    ...write(JOBS_PREFIX),
    ...write(GENERATED_PREFIX),
    secret('gpuService'),
    ...write(RESEARCH),
  ],
  chat: [
    KEYS,
    'invoke functions',
    ...read(FAISS),
    ...read(REGISTRY),
    secret('pinecone'),
    ...write(CHAT_SESSIONS_PREFIX),
  ],
  forgetChat: [KEYS, ...write(CHAT_SESSIONS_PREFIX)],
  researcher: [KEYS, 'start researcher', ...write(JOBS_PREFIX), SEND_JOBS],
  researcherFetch: write(RESEARCH),
  researcherSummarize: [...MODELS, ...read(RESEARCH)],
  researcherSentiment: read(RESEARCH),
  ngramTrain: [KEYS, ...write(NGRAM_PREFIX)],
  ngramGenerate: [KEYS, ...write(NGRAM_PREFIX)],
  qa: [KEYS, ...MODELS, ...read(REGISTRY), ...read(FAISS), ...write(CACHE_PREFIX)],
  similar: [KEYS, ...read(REGISTRY), ...read(VERSIONS), ...write(CACHE_PREFIX)],
  classifyImage: [KEYS, ...read(IMAGE_KEY_PREFIX)],
  ganGenerate: [KEYS],
  diffusionGenerate: [KEYS, ...write(JOBS_PREFIX), SEND_JOBS],
  ebmGenerate: [KEYS, ...write(JOBS_PREFIX), SEND_JOBS],
  v1ChatCompletions: [KEYS, ...MODELS, ...write(CACHE_PREFIX)],
  v1Completions: [KEYS, ...MODELS, ...write(CACHE_PREFIX)],
  v1Embeddings: [KEYS, ...write(CACHE_PREFIX)],
  v1Models: [KEYS],
  stream: [KEYS, ...MODELS],
};

interface Statement {
  readonly Effect?: unknown;
  readonly Action?: unknown;
  readonly Resource?: unknown;
  readonly Condition?: { StringLike?: Record<string, unknown> };
}
const list = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
const statementsOf = (name: string) =>
  (config.functions[name]?.iamRoleStatements ?? []) as readonly Statement[];

/** The grants a statement makes, in the table's words; anything unforeseen is named as it is. */
function grantsOf(statement: Statement): string[] {
  const actions = list(statement.Action).map(text).sort().join(',');
  const resources = list(statement.Resource).map(text);
  const prefixes = list(statement.Condition?.StringLike?.['s3:prefix']).map((p) =>
    text(p).replace(/\*$/, ''),
  );
  const only = resources.length === 1 ? resources[0] : undefined;
  if (actions === 's3:ListBucket' && only === BUCKET) return prefixes.map((p) => `list ${p}`);
  const objects = only?.startsWith(`${BUCKET}/`)
    ? only.slice(BUCKET.length + 1).replace(/\*$/, '')
    : undefined;
  if (objects && actions === 's3:GetObject') return [`read ${objects}`];
  if (objects && actions === 's3:DeleteObject,s3:GetObject,s3:PutObject') return [`write ${objects}`];
  if (actions === 's3:GetObject' && only === '{"Sub":"arn:aws:s3:::${ModelBucket}/models/*"}')
    return ['models read'];
  if (actions === 's3:ListBucket' && only === '{"GetAtt":"ModelBucket.Arn"}' && prefixes.join() === 'models/')
    return ['models list'];
  if (only === '{"GetAtt":"ApiKeysTable.Arn"}') {
    if (actions === 'dynamodb:GetItem,dynamodb:UpdateItem') return [KEYS];
    if (actions === 'dynamodb:GetItem') return ['api keys read'];
  }
  const queue = /^\{"GetAtt":"(\w+)\.Arn"\}$/.exec(only ?? '')?.[1];
  if (actions === 'sqs:SendMessage' && queue) return [`send ${queue}`];
  const parameter =
    /^\{"Sub":"arn:aws:ssm:\$\{AWS::Region\}:\$\{AWS::AccountId\}:parameter\/\$\{self:custom\.secretParameters\.(\w+)\}"\}$/.exec(
      only ?? '',
    )?.[1];
  if (actions === 'ssm:GetParameter' && parameter) return [secret(parameter)];
  if (
    actions === 'states:StartSyncExecution' &&
    only?.endsWith(':stateMachine:${self:custom.researcherStateMachineName}"}')
  )
    return ['start researcher'];
  if (actions === 'lambda:InvokeFunction' && resources.every((r) => /LambdaFunction\.Arn"\}$/.test(r)))
    return ['invoke functions'];
  return [`unforeseen ${JSON.stringify(statement)}`];
}

const granted = (name: string) => [...new Set(statementsOf(name).flatMap(grantsOf))].sort();

describe('the roles of the functions', () => {
  it('are per function, from the plugin: no statement is shared through the provider or a role of its own', () => {
    const raw = readServerlessConfig() as unknown as {
      plugins: string[];
      provider: { iam?: unknown; iamRoleStatements?: unknown };
    };
    expect(raw.plugins).toContain('serverless-iam-roles-per-function');
    expect(raw.provider.iam).toBeUndefined();
    expect(raw.provider.iamRoleStatements).toBeUndefined();
    for (const [name, fn] of Object.entries(config.functions)) {
      expect([name, 'role' in fn]).toEqual([name, false]);
      expect([name, Array.isArray(fn.iamRoleStatements)]).toEqual([name, true]);
    }
  });

  it('grant each function exactly what its code uses', () => {
    expect(Object.keys(config.functions).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const [name, grants] of Object.entries(EXPECTED)) {
      expect([name, granted(name)]).toEqual([name, [...new Set(grants)].sort()]);
    }
  });

  it('hold no wildcard action, and no wildcard resource beyond a prefix', () => {
    for (const name of Object.keys(config.functions)) {
      for (const statement of statementsOf(name)) {
        expect(statement.Effect).toBe('Allow');
        for (const action of list(statement.Action).map(text))
          expect([name, action]).not.toEqual([name, expect.stringContaining('*')]);
        for (const resource of list(statement.Resource).map(text)) {
          const wildcard = resource.indexOf('*');
          if (wildcard === -1) continue;
          // Only `…/<prefix>/*`: a trailing wildcard after a named prefix of a bucket.
          expect([name, resource]).toEqual([
            name,
            expect.stringMatching(
              /^(arn:aws:s3:::\$\{self:custom\.documentsBucket\}|\{"Sub":"arn:aws:s3:::\$\{ModelBucket\}).*\/[a-z-]+\/\*("\})?$/,
            ),
          ]);
        }
      }
    }
  });

  it('give the functions that need nothing no data access', () => {
    for (const name of ['health', 'notFound', 'apiDocs', 'openApi', 'metrics']) {
      expect([name, statementsOf(name)]).toEqual([name, []]);
    }
  });

  it('let every function that sets MODEL_S3_URI read the model bucket’s models/, and no other function', () => {
    for (const [name, fn] of Object.entries(config.functions)) {
      const models = granted(name).filter((grant) => grant.startsWith('models'));
      const modelBucket = statementsOf(name).filter((s) => text(s.Resource).includes('ModelBucket'));
      if (fn.environment?.MODEL_S3_URI) {
        expect([name, models]).toEqual([name, ['models list', 'models read']]);
        expect(modelBucket).toHaveLength(2);
      } else {
        expect([name, modelBucket]).toEqual([name, []]);
      }
    }
  });

  it('match what each handler composes: the table names the permissions its code needs', () => {
    // What a handler's source shows, and the grants that follow from it.
    const markers: [RegExp, (name: string) => readonly string[]][] = [
      [/\bapiKeyAccess\b/, () => [KEYS]],
      [/\bcached\b/, () => write(CACHE_PREFIX)],
      [/\bcomposeBucketModelRuntime\b/, () => MODELS],
      [/\bcomposeJobWork\b|\blazyJobWork\b/, () => write(JOBS_PREFIX)],
      [
        /\bcomposeDocumentWriters\b/,
        () => [...write(REGISTRY), ...write(VERSIONS), ...write(EMBEDDINGS), ...write(FAISS)],
      ],
      [/\bcomposeNgram\b/, () => write(NGRAM_PREFIX)],
      [/\bcomposeChatSessions\b|\bcomposeChat\b/, () => write(CHAT_SESSIONS_PREFIX)],
      [
        /\bcomposeDocumentRecords\b|\bcompose(Faiss|External)Answering\b|\bcomposeQuestionAnswering\b|\bcomposeSimilarity\b/,
        () => read(REGISTRY),
      ],
      [/\breadImageRequest\b/, () => read(IMAGE_KEY_PREFIX)],
      [/\bcomposeArticle(Fetch|Summary|Sentiment)\b/, () => read(RESEARCH)],
    ];
    for (const [name, fn] of Object.entries(config.functions)) {
      const source = readFileSync(`${fn.handler.replace(/\.handler$/, '')}.ts`, 'utf8');
      const has = new Set(granted(name).map((grant) => grant.replace(/^write /, 'read ')));
      const needed = markers.flatMap(([marker, grants]) => (marker.test(source) ? grants(name) : []));
      const missing = needed.filter(
        (grant) => !has.has(grant.replace(/^write /, 'read ')) && !granted(name).includes(grant),
      );
      expect([name, missing]).toEqual([name, []]);
    }
  });
});
