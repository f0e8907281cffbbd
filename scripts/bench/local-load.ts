/**
 * The local server under a burst of model calls: 500 `/sentiment` requests, 20 at a time, twice (the first
 * round loads the model), with the server's resident memory (current and peak) and latency per round.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startLocalServer } from '../local-server';
import { generateTinyModels } from '../tiny-models/generate';
import { ms, printTable, summarize } from './stats';

/** VmRSS and VmHWM (peak) of a process, in MiB. */
function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1]) / 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

async function burst(url: string, count: number, concurrency: number) {
  const samples: number[] = [];
  let errors = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const started = performance.now();
        const response = await fetch(`${url}/sentiment`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: `review ${i}: the food was lovely and the staff were kind` }),
        });
        await response.arrayBuffer();
        if (response.status !== 200) errors++;
        samples.push(performance.now() - started);
      }
    }),
  );
  const sorted = [...samples].sort((a, b) => a - b);
  return { ...summarize(samples), p99Ms: sorted[Math.floor(sorted.length * 0.99)] ?? Number.NaN, errors };
}

export async function benchLocalLoad(options: { requests: number; concurrency: number }): Promise<void> {
  const modelRoot = path.resolve('.tmp/bench-models');
  await generateTinyModels(modelRoot, ['sentiment']);
  const server = await startLocalServer({
    env: { MODEL_PROFILE: 'tiny', MODEL_ROOT: modelRoot, POWERTOOLS_LOG_LEVEL: 'ERROR' },
  });
  const pid = server.process.pid as number;
  try {
    const idle = memoryMiB(pid);
    const rows: string[][] = [['idle', '', '', '', '', '', idle.rss.toFixed(0), idle.peak.toFixed(0)]];
    for (const round of ['first round (loads the model)', 'second round']) {
      const result = await burst(server.url, options.requests, options.concurrency);
      const memory = memoryMiB(pid);
      rows.push([
        round,
        String(result.n),
        String(result.errors),
        ms(result.medianMs),
        ms(result.p95Ms),
        ms(result.p99Ms),
        memory.rss.toFixed(0),
        memory.peak.toFixed(0),
      ]);
    }
    printTable(
      `Local server (npm start), ${options.requests} /sentiment calls at concurrency ${options.concurrency}, tiny model`,
      ['round', 'n', 'errors', 'median ms', 'p95 ms', 'p99 ms', 'RSS MiB', 'peak RSS MiB'],
      rows,
    );
  } finally {
    await server.stop();
  }
}
