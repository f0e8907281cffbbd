/**
 * The embedded Chroma of `npm start`, kept alive: when it exits without being asked to, it is started
 * again on the same port and data folder (the handlers were given its URL once), after a short backoff
 * that grows while it keeps failing. `stop()` ends it for good.
 */
import { type ChromaServer, startChromaServer } from './chroma-server';

export interface SupervisedChroma extends ChromaServer {
  /** How many times it was started again after an unexpected exit. */
  restarts(): number;
}

export interface SupervisionOptions {
  readonly dataDir: string;
  readonly port: number;
  /** First wait before a restart; doubled after each failed start, up to `maxBackoffMs`. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly log?: (message: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startSupervisedChroma(options: SupervisionOptions): Promise<SupervisedChroma> {
  const log = options.log ?? ((message: string) => console.error(message));
  const firstBackoff = options.backoffMs ?? 250;
  const maxBackoff = options.maxBackoffMs ?? 10_000;
  let current = await startChromaServer(options);
  let stopping = false;
  let restarts = 0;

  async function restart(): Promise<void> {
    let backoff = firstBackoff;
    while (!stopping) {
      await sleep(backoff);
      if (stopping) return;
      try {
        current = await startChromaServer(options);
        restarts += 1;
        log(`embedded Chroma restarted on ${current.url} (restart ${restarts})`);
        watch(current);
        return;
      } catch (error) {
        backoff = Math.min(backoff * 2, maxBackoff);
        log(`embedded Chroma did not start again, retrying in ${backoff} ms: ${(error as Error).message}`);
      }
    }
  }

  function watch(server: ChromaServer): void {
    void server.exited.then(({ code, signal }) => {
      if (stopping) return;
      log(`embedded Chroma exited (${signal ?? `code ${code}`}); starting it again`);
      void restart();
    });
  }

  watch(current);
  return {
    url: current.url,
    port: options.port,
    get pid() {
      return current.pid;
    },
    get exited() {
      return current.exited;
    },
    restarts: () => restarts,
    async stop() {
      stopping = true;
      await current.stop();
    },
  };
}
