/**
 * Starts the suite under serverless-offline (the same handlers, bundled by esbuild as for a deployment) and
 * waits until it answers. Used by `npm start`, the end-to-end tests and the benchmark.
 *
 * Every function runs inside the server process (serverless-offline's in-process mode, see serverless.yml),
 * with request bodies delivered as API Gateway delivers them (scripts/offline/binary-bodies.mjs). The
 * embedded Chroma is supervised: started again when it dies, and stopped when the server exits, whether it
 * was asked to or not. The port it answers on is a small front (scripts/streaming-server.ts) that streams
 * `"stream": true` requests itself and hands everything else to serverless-offline on a port of its own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readScriptEnvironment } from '../shared/config/environment';
import { STREAMING_PATHS } from '../shared/http/routes';
import type { ProcessExit } from './services/chroma-server';
import { type DynamoServer, startDynamoServer } from './services/dynamodb-server';
import { type SupervisedChroma, startSupervisedChroma } from './services/supervised-chroma';
import { startFrontServer } from './streaming-server';

export interface LocalServer {
  readonly url: string;
  readonly process: ChildProcess;
  readonly dataDir: string;
  /** The embedded Chroma server, when one was started. */
  readonly chroma?: SupervisedChroma;
  readonly chromaUrl?: string;
  /** The embedded DynamoDB-compatible server of the API keys table, when keys are on and none was given. */
  readonly dynamoEndpoint?: string;
  /** Settles when the server process has exited and the embedded Chroma has been stopped. */
  readonly exited: Promise<ProcessExit>;
  stop(): Promise<void>;
}

/** The exit status a supervisor should report for the server's exit: non-zero unless it ended cleanly. */
export const exitStatusOf = ({ code, signal }: ProcessExit): number =>
  signal ? 128 + (os.constants.signals[signal] ?? 1) : (code ?? 1);

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

/** A free TCP port on 127.0.0.1, as the kernel hands one out. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

async function waitUntilHealthy(url: string, child: ChildProcess, timeoutMs: number, output: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`local server exited with code ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`local server did not answer ${url}/health within ${timeoutMs} ms:\n${output()}`);
}

export interface LocalServerOptions {
  readonly port?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly stdio?: 'inherit' | 'pipe';
  readonly timeoutMs?: number;
  /** Where documents, the FAISS index and the embedded Chroma keep their data (a temporary folder if absent). */
  readonly dataDir?: string;
}

/**
 * Chroma is the embedded default store of /rag-query: started beside the suite unless a Chroma URL or a
 * Pinecone index is configured.
 */
async function embeddedChroma(
  env: NodeJS.ProcessEnv,
  dataDir: string,
): Promise<SupervisedChroma | undefined> {
  if (env.CHROMA_URL || env.PINECONE_INDEX_HOST) return undefined;
  return startSupervisedChroma({ dataDir: path.join(dataDir, 'chroma'), port: await freePort() });
}

/**
 * API keys are on when API_KEYS_TABLE is set; without a DYNAMODB_ENDPOINT, their table lives in an embedded
 * dynalite that keeps it under the data folder, on DYNAMODB_PORT (for `npm run keys`).
 */
async function embeddedDynamo(env: NodeJS.ProcessEnv, dataDir: string): Promise<DynamoServer | undefined> {
  if (!env.API_KEYS_TABLE || env.DYNAMODB_ENDPOINT) return undefined;
  const dynamoDir = path.join(dataDir, 'dynamodb');
  await mkdir(dynamoDir, { recursive: true });
  return startDynamoServer({
    port: readScriptEnvironment(['DYNAMODB_PORT'], env).DYNAMODB_PORT,
    path: dynamoDir,
    table: env.API_KEYS_TABLE,
  });
}

/** Node options for the server process: its own, plus the hook that delivers binary bodies as API Gateway does. */
function serverNodeOptions(env: NodeJS.ProcessEnv): string {
  const hook = pathToFileURL(path.join(PROJECT_ROOT, 'scripts', 'offline', 'binary-bodies.mjs')).href;
  return [env.NODE_OPTIONS, `--import=${hook}`].filter(Boolean).join(' ');
}

export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const port = options.port ?? (await freePort());
  const offlinePort = await freePort();
  const lambdaPort = await freePort();
  const env = { ...process.env, ...options.env };
  const dataDir = path.resolve(
    options.dataDir ?? env.DATA_DIR ?? (await mkdtemp(path.join(os.tmpdir(), 'genai-data-'))),
  );
  const chroma = await embeddedChroma(env, dataDir);
  const dynamo = await embeddedDynamo(env, dataDir).catch(async (error: unknown) => {
    await chroma?.stop();
    throw error;
  });
  const osls = path.join(PROJECT_ROOT, 'node_modules', 'osls', 'bin', 'serverless.js');
  const workFolder = path.join('.esbuild', `offline-${port}`);
  const handlerEnv: NodeJS.ProcessEnv = {
    // Deployed, models and documents live in the stack's buckets; locally only if you say so.
    MODEL_S3_URI: '',
    DOCUMENTS_BUCKET: '',
    JOBS_QUEUE_URL: '',
    RESEARCHER_STATE_MACHINE_ARN: '',
    STREAMING_URL: '',
    // Locally, API keys are on only when asked for.
    API_KEYS_TABLE: '',
    ...env,
    DATA_DIR: dataDir,
    ...(chroma ? { CHROMA_URL: chroma.url } : {}),
    ...(dynamo ? { DYNAMODB_ENDPOINT: dynamo.endpoint } : {}),
    // Locally every origin may call, unless CORS_ORIGIN says otherwise (serverless.yml's default is for AWS).
    CORS_ORIGIN: env.CORS_ORIGIN || '*',
  };
  const child = spawn(process.execPath, [osls, 'offline', 'start'], {
    cwd: PROJECT_ROOT,
    env: {
      ...handlerEnv,
      NODE_OPTIONS: serverNodeOptions(env),
      ESBUILD_WORK_FOLDER: workFolder,
      PORT: String(offlinePort),
      LAMBDA_PORT: String(lambdaPort),
    },
    stdio: options.stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const front = await startFrontServer({
    port,
    upstreamPort: offlinePort,
    streamingPaths: STREAMING_PATHS,
    staticDir: path.join(PROJECT_ROOT, 'web'),
    streamingHandler: async () => {
      const [{ createHandler, compose }, { baseDependencies }] = await Promise.all([
        import('../functions/stream/handler'),
        import('../shared/app/base'),
      ]);
      return createHandler(compose(baseDependencies(handlerEnv)));
    },
  });
  const url = front.url;
  const exited = new Promise<ProcessExit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  ).then(async (exit) => {
    await front.close();
    await chroma?.stop();
    await dynamo?.stop();
    await rm(path.join(PROJECT_ROOT, workFolder), { recursive: true, force: true });
    return exit;
  });
  const stop = async () => {
    await stopServer();
    await exited;
  };
  const stopServer = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const childExit = once(child, 'exit');
    try {
      // The server leads its own process group (esbuild's service among it): end the whole group.
      if (child.pid && process.platform !== 'win32') process.kill(-child.pid, 'SIGTERM');
      else child.kill('SIGTERM');
    } catch {
      return;
    }
    const killTimer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 5_000);
    await childExit;
    clearTimeout(killTimer);
  };
  try {
    await waitUntilHealthy(url, child, options.timeoutMs ?? 90_000, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    process: child,
    stop,
    exited,
    dataDir,
    ...(chroma ? { chroma, chromaUrl: chroma.url } : {}),
    ...(dynamo ? { dynamoEndpoint: dynamo.endpoint } : {}),
  };
}
