/**
 * A local Chroma server (the `chroma` CLI bundled with the chromadb package) on 127.0.0.1: the embedded
 * default of `npm start`, and the real server the tests run against.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ChromaServer {
  readonly url: string;
  readonly port: number;
  /** The server process's id (tests stop it from outside to see it come back). */
  readonly pid?: number;
  /** Settles when the server process exits, for whatever reason. */
  readonly exited: Promise<ProcessExit>;
  stop(): Promise<void>;
}

export async function startChromaServer(options: {
  dataDir: string;
  port: number;
  timeoutMs?: number;
}): Promise<ChromaServer> {
  // The package's exports hide its CLI file; its main entry sits beside it in dist/.
  const main = createRequire(import.meta.url).resolve('chromadb');
  const cli = path.join(main.slice(0, main.lastIndexOf(`${path.sep}dist${path.sep}`)), 'dist', 'cli.mjs');
  const child: ChildProcess = spawn(
    process.execPath,
    [cli, 'run', '--path', options.dataDir, '--host', '127.0.0.1', '--port', String(options.port)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<ProcessExit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`chroma exited (${child.signalCode ?? `code ${child.exitCode}`}):\n${output}`);
    const healthy = await fetch(`${url}/api/v2/heartbeat`, { signal: AbortSignal.timeout(1_000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (healthy) return { url, port: options.port, pid: child.pid, exited, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`chroma did not answer ${url}/api/v2/heartbeat in time:\n${output}`);
}
