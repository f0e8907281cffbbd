import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GPU_VARIABLES, loadGpuConfig } from '../../infra/gpu/config';
import { configDocuments, GENERATED_TABLES } from '../../scripts/config-docs';
import {
  APP_VARIABLES,
  loadConfig,
  readEnvironment,
  readScriptEnvironment,
  SCRIPT_VARIABLES,
} from '../../shared/config/environment';
import {
  defaultFor,
  readVariables,
  textBetweenMarkers,
  type Variables,
  variable,
} from '../../shared/config/variables';
import { ConfigurationError } from '../../shared/errors';
import * as z from '../../shared/schema';
import { MAX_SUMMARY_JOB_TEXT_CHARS, MAX_SUMMARY_TEXT_CHARS } from '../../shared/summarization/schema';

const ALL_DECLARATIONS: Record<string, Variables> = {
  functions: APP_VARIABLES,
  scripts: SCRIPT_VARIABLES,
  'GPU service': GPU_VARIABLES,
};

/** The problems a ConfigurationError lists, or a failed expectation when `load` does not throw one. */
function problemsOf(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).problems;
  }
  expect.unreachable('the configuration was accepted');
}

describe('loadConfig', () => {
  it('reads Wikipedia per language by default, and refuses an API URL that is not http(s)', () => {
    expect(loadConfig({}).research).toMatchObject({
      wikipediaApiUrl: 'https://{lang}.wikipedia.org/w/api.php',
      maxAttempts: 3,
      maxArticleChars: MAX_SUMMARY_TEXT_CHARS,
      stateMachineArn: undefined,
    });
    expect(
      loadConfig({ WIKIPEDIA_API_URL: 'http://127.0.0.1:8080/{lang}/w/api.php' }).research.wikipediaApiUrl,
    ).toBe('http://127.0.0.1:8080/{lang}/w/api.php');
    expect(() => loadConfig({ WIKIPEDIA_API_URL: 'ftp://wiki' })).toThrow(ConfigurationError);
    expect(() => loadConfig({ RESEARCHER_STATE_MACHINE_ARN: 'researcher' })).toThrow(/state machine ARN/);
  });

  it('lets a research job read up to what a summary job can afford, and no more', () => {
    // By default less: the job classifies the whole text beside the summary, within its task's limit.
    expect(loadConfig({}).research.maxJobArticleChars).toBe(30_000);
    expect(loadConfig({}).research.maxJobArticleChars).toBeLessThan(MAX_SUMMARY_JOB_TEXT_CHARS);
    expect(loadConfig({ RESEARCHER_MAX_JOB_ARTICLE_CHARS: '12000' }).research.maxJobArticleChars).toBe(
      12_000,
    );
    expect(() =>
      loadConfig({ RESEARCHER_MAX_JOB_ARTICLE_CHARS: String(MAX_SUMMARY_JOB_TEXT_CHARS + 1) }),
    ).toThrow(ConfigurationError);
  });

  it('defaults to the auto profile, ./models and remote loads when run locally', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      runningOnLambda: false,
      modelProfile: 'auto',
      modelRoot: path.resolve('models'),
      modelCacheDir: path.resolve('models'),
      allowRemoteModels: true,
      warmUp: false,
    });
    expect(config.rag.dataDir).toBe(path.resolve('data'));
    expect(config.rag.faiss.cacheDir).toBe(path.resolve('data', '.faiss-cache'));
  });

  it('defaults to standard models from the layer, /tmp caches and no downloads on Lambda', () => {
    const config = loadConfig({ AWS_LAMBDA_FUNCTION_NAME: 'fn' });
    expect(config).toMatchObject({
      runningOnLambda: true,
      modelProfile: 'standard',
      modelRoot: '/opt/models',
      modelCacheDir: '/tmp/models',
      allowRemoteModels: false,
      warmUp: true,
    });
    expect(config.rag.dataDir).toBe('/tmp/data');
    expect(config.rag.faiss.cacheDir).toBe('/tmp/faiss');
  });

  it('derives the local caches from the folders they live beside', () => {
    const config = loadConfig({ MODEL_ROOT: 'elsewhere/models', DATA_DIR: 'elsewhere/data' });
    expect(config.modelCacheDir).toBe(path.resolve('elsewhere/models'));
    expect(config.rag.faiss.cacheDir).toBe(path.resolve('elsewhere/data/.faiss-cache'));
  });

  it('treats serverless-offline as local and empty variables as unset', () => {
    const config = loadConfig({
      AWS_LAMBDA_FUNCTION_NAME: 'fn',
      IS_OFFLINE: 'true',
      MODEL_PROFILE: '',
      MODEL_ROOT: '',
      MAX_BODY_BYTES: '',
    });
    expect(config.runningOnLambda).toBe(false);
    expect(config.modelProfile).toBe('auto');
    expect(config.modelRoot).toBe(path.resolve('models'));
    expect(config.maxBodyBytes).toBe(256 * 1024);
  });

  it('applies each declared default for where it runs, local or Lambda', () => {
    for (const [platform, env] of [
      ['local', {}],
      ['lambda', { AWS_LAMBDA_FUNCTION_NAME: 'fn' }],
    ] as const) {
      const values = readEnvironment(env) as Record<string, unknown>;
      for (const [name, spec] of Object.entries(APP_VARIABLES)) {
        if (name === 'AWS_LAMBDA_FUNCTION_NAME') continue;
        const fallback = defaultFor(spec, platform);
        const expected = fallback === undefined ? undefined : spec.schema.parse(fallback);
        expect(values[name], `${name} (${platform})`).toEqual(expected);
      }
    }
  });

  it('gives the model sessions the vCPUs Lambda grants at the function memory, unless MODEL_THREADS says', () => {
    const lambda = { AWS_LAMBDA_FUNCTION_NAME: 'f' };
    expect(loadConfig({ ...lambda, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024' }).modelThreads).toBe(1);
    expect(loadConfig({ ...lambda, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '3008' }).modelThreads).toBe(2);
    expect(loadConfig({ ...lambda, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '5308' }).modelThreads).toBe(4);
    expect(loadConfig({ ...lambda, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '10240' }).modelThreads).toBe(6);
    expect(
      loadConfig({ ...lambda, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '10240', MODEL_THREADS: '3' }).modelThreads,
    ).toBe(3);
    expect(loadConfig({}).modelThreads).toBeUndefined();
  });

  it('reads CORS origins as a list, and never allows every origin on Lambda', () => {
    expect(loadConfig({}).corsOrigins).toEqual(['*']);
    expect(loadConfig({ CORS_ORIGIN: 'https://a.example, https://b.example' }).corsOrigins).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
    expect(loadConfig({ AWS_LAMBDA_FUNCTION_NAME: 'fn' }).corsOrigins).toEqual(['http://localhost:3000']);
    expect(() => loadConfig({ AWS_LAMBDA_FUNCTION_NAME: 'fn', CORS_ORIGIN: 'https://a.example,*' })).toThrow(
      /CORS_ORIGIN: a deployed function never allows every origin/,
    );
  });

  it('leaves API keys off unless API_KEYS_TABLE is set', () => {
    expect(loadConfig({}).access).toBeUndefined();
    expect(loadConfig({ API_KEYS_TABLE: 'keys', DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' }).access).toEqual(
      {
        table: 'keys',
        endpoint: 'http://127.0.0.1:8000',
        region: 'us-east-1',
      },
    );
  });

  it('allows a job three claims by default, and between 1 and 10', () => {
    expect(loadConfig({}).jobs.maxAttempts).toBe(3);
    expect(loadConfig({ JOB_MAX_ATTEMPTS: '1' }).jobs.maxAttempts).toBe(1);
    expect(() => loadConfig({ JOB_MAX_ATTEMPTS: '0' })).toThrow(/JOB_MAX_ATTEMPTS/);
    expect(() => loadConfig({ JOB_MAX_ATTEMPTS: '11' })).toThrow(/JOB_MAX_ATTEMPTS/);
  });

  it('names every invalid variable', () => {
    expect(() => loadConfig({ MODEL_PROFILE: 'large', MAX_BODY_BYTES: '-1' })).toThrow(ConfigurationError);
    expect(() => loadConfig({ MODEL_PROFILE: 'large', MAX_BODY_BYTES: '-1' })).toThrow(
      /MODEL_PROFILE.*MAX_BODY_BYTES/,
    );
  });

  it('reports every problem at once: invalid values and combinations that do not hold', () => {
    const problems = problemsOf(() =>
      loadConfig({
        MODEL_PROFILE: 'large',
        MAX_BODY_BYTES: '-1',
        CHROMA_URL: 'not a url',
        JOBS_QUEUE_URL: 'sqs',
        S3_FORCE_PATH_STYLE: 'maybe',
        PINECONE_API_KEY: 'key',
        RAG_STORE: 'pinecone',
      }),
    );
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'MODEL_PROFILE',
      'MAX_BODY_BYTES',
      'CHROMA_URL',
      'JOBS_QUEUE_URL',
      'S3_FORCE_PATH_STYLE',
      'PINECONE_INDEX_HOST',
      'RAG_STORE',
    ]);
    expect(problems[0]).toMatch(/"large"/);
    expect(() => loadConfig({ RAG_STORE: 'chroma', MODEL_WARMUP: 'sometimes' })).toThrow(
      /MODEL_WARMUP: .*; RAG_STORE: chroma needs CHROMA_URL/,
    );
  });

  it('checks a combination only when each variable it reads is valid, so a problem is reported once', () => {
    expect(problemsOf(() => loadConfig({ RAG_STORE: 'weaviate' }))).toEqual([
      expect.stringMatching(/^RAG_STORE: Invalid option/),
    ]);
  });

  it('never shows the value of a secret variable in its problem', () => {
    const variables = {
      API_KEY: variable({
        schema: z.string().check(z.startsWith('sk-')),
        secret: true,
        configures: 'x',
        description: 'x',
      }),
      NAME: variable({ schema: z.string().check(z.startsWith('n-')), configures: 'x', description: 'x' }),
    };
    const problems = problemsOf(() => readVariables(variables, { API_KEY: 'hunter2', NAME: 'bob' }));
    expect(problems).toHaveLength(2);
    expect(problems.join(' ')).not.toContain('hunter2');
    expect(problems[1]).toContain('"bob"');
  });
});

describe('the declarations', () => {
  it('give every default a value its own schema accepts, on each platform', () => {
    for (const [group, variables] of Object.entries(ALL_DECLARATIONS)) {
      for (const [name, spec] of Object.entries(variables)) {
        for (const platform of ['local', 'lambda'] as const) {
          const fallback = defaultFor(spec, platform);
          if (fallback !== undefined)
            expect(z.safeParse(spec.schema, fallback).success, `${group} ${name} ${platform}`).toBe(true);
        }
      }
    }
  });

  it('describe every variable in one line, and say each literal default where they describe it in words', () => {
    for (const [group, variables] of Object.entries(ALL_DECLARATIONS)) {
      for (const [name, spec] of Object.entries(variables)) {
        expect(name, group).toMatch(/^[A-Z][A-Z0-9_]*$/);
        expect(spec.description.trim(), `${group} ${name}`).not.toBe('');
        expect(spec.description, `${group} ${name}`).not.toContain('\n');
        expect(spec.configures.trim(), `${group} ${name}`).not.toBe('');
        if (spec.defaultText === undefined) continue;
        for (const platform of ['local', 'lambda'] as const) {
          const fallback = defaultFor(spec, platform);
          if (fallback !== undefined)
            expect(spec.defaultText, `${group} ${name}`).toContain(`\`${fallback}\``);
        }
      }
    }
  });

  it('keep the scripts’ variables apart from the functions’', () => {
    const shared = Object.keys(SCRIPT_VARIABLES).filter((name) => name in APP_VARIABLES);
    expect(shared).toEqual([]);
    expect(readScriptEnvironment(['PORT', 'STAGE'], {})).toEqual({ PORT: 3000, STAGE: 'dev' });
    expect(() =>
      readScriptEnvironment(['PORT', 'LAYER_MODEL_PROFILE'], { PORT: '0', LAYER_MODEL_PROFILE: 'x' }),
    ).toThrow(/PORT: .*; LAYER_MODEL_PROFILE: /);
  });

  it('cover every variable serverless.yml reads, with the same defaults', () => {
    const yml = readFileSync('serverless.yml', 'utf8');
    const declared: Variables = { ...APP_VARIABLES, ...SCRIPT_VARIABLES };
    const names = [...yml.matchAll(/\$\{env:([A-Z0-9_]+)/g)].map((m) => m[1] as string);
    expect(names).toEqual(expect.arrayContaining(['MODEL_PROFILE', 'PORT', 'DOCUMENTS_BUCKET_NAME']));
    expect(names.filter((name) => !(name in declared))).toEqual([]);
    // Literal defaults (not '' and not references to the stack) must be the declared ones.
    const literals = [...yml.matchAll(/\$\{env:([A-Z0-9_]+),\s*'?([^'}$]+)'?\}/g)];
    expect(literals.length).toBeGreaterThan(5);
    for (const [, name, literal] of literals) {
      const spec = declared[name as string];
      if (!spec || literal?.startsWith('self:')) continue;
      expect([defaultFor(spec, 'local'), defaultFor(spec, 'lambda')], name).toContain(literal);
    }
  });
});

describe('the documentation', () => {
  it('has each configuration table exactly as the declarations generate it (npm run docs:config)', () => {
    for (const { file, current, generated } of configDocuments()) {
      expect(current, `${file} is stale: run npm run docs:config`).toBe(generated);
    }
  });

  it('documents every declared variable, one row each, and no other', () => {
    for (const table of GENERATED_TABLES) {
      const text = textBetweenMarkers(readFileSync(table.file, 'utf8'), table.name);
      expect(text, `${table.file}: ${table.name}`).toBeDefined();
      const documented = (text ?? '')
        .split('\n')
        .slice(2)
        .map((row) => /^\| `([A-Z0-9_]+)` \|/.exec(row)?.[1]);
      expect(documented, `${table.file}: ${table.name}`).toEqual(Object.keys(table.variables));
    }
  });
});

describe('loadGpuConfig', () => {
  it('listens on 8080 of every interface and serves the standard models from /models by default', () => {
    expect(loadGpuConfig({})).toEqual({
      PORT: 8080,
      HOST: '0.0.0.0',
      MODEL_PROFILE: 'standard',
      MODEL_ROOT: '/models',
      GENERATION_MAX_BODY_BYTES: 64 * 1024,
      VQA_MAX_BODY_BYTES: 8 * 1024 * 1024,
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
    expect(loadGpuConfig({ PORT: '', MODEL_PROFILE: '' })).toMatchObject({
      PORT: 8080,
      MODEL_PROFILE: 'standard',
    });
    expect(loadGpuConfig({ PORT: '9000', MODEL_PROFILE: 'tiny' })).toMatchObject({
      PORT: 9000,
      MODEL_PROFILE: 'tiny',
    });
  });

  it('names every invalid variable at once', () => {
    const problems = problemsOf(() =>
      loadGpuConfig({ PORT: '80000', MODEL_PROFILE: 'huge', VQA_MAX_BODY_BYTES: 'lots' }),
    );
    expect(problems.map((p) => p.split(':')[0])).toEqual(['PORT', 'MODEL_PROFILE', 'VQA_MAX_BODY_BYTES']);
  });
});
