/**
 * Streaming through the local server (`npm start`'s front, the same bytes a function URL sends): time to the
 * first token against the time of the whole generation, for `/v1/chat/completions` and `/hello-llm` with
 * `"stream": true`, on the tiny generator unless MODEL_PROFILE says otherwise.
 */
import path from 'node:path';
import { startLocalServer } from '../local-server';
import { generateTinyModels } from '../tiny-models/generate';
import { ms, printTable, summarize } from './stats';

interface StreamTiming {
  readonly firstTokenMs: number;
  readonly totalMs: number;
  readonly events: number;
}

/** Reads a server-sent event stream, noting when the first token event arrived. */
async function timeStream(
  url: string,
  body: unknown,
  isToken: (event: string) => boolean,
): Promise<StreamTiming> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok || !response.body) throw new Error(`${url}: HTTP ${response.status}`);
  const decoder = new TextDecoder();
  let buffered = '';
  let firstTokenMs = Number.NaN;
  let events = 0;
  for await (const bytes of response.body) {
    buffered += decoder.decode(bytes as Uint8Array, { stream: true });
    const complete = buffered.split('\n\n');
    buffered = complete.pop() ?? '';
    for (const event of complete) {
      if (!isToken(event)) continue;
      events += 1;
      if (Number.isNaN(firstTokenMs)) firstTokenMs = performance.now() - started;
    }
  }
  return { firstTokenMs, totalMs: performance.now() - started, events };
}

export async function benchStreaming(options: { runs: number; maxTokens: number }): Promise<void> {
  const profile = process.env.MODEL_PROFILE ?? 'tiny';
  const modelRoot = path.resolve(process.env.MODEL_ROOT ?? '.tmp/bench-models');
  if (profile !== 'standard') await generateTinyModels(modelRoot, ['text-generation']);
  const server = await startLocalServer({
    env: { MODEL_PROFILE: profile, MODEL_ROOT: modelRoot, POWERTOOLS_LOG_LEVEL: 'ERROR' },
  });
  const model = ((await (await fetch(`${server.url}/v1/models`)).json()) as { data: { id: string }[] })
    .data[0]?.id;
  const cases = [
    {
      name: 'POST /v1/chat/completions',
      url: `${server.url}/v1/chat/completions`,
      body: {
        model,
        messages: [{ role: 'user', content: 'Tell me a long story about a lighthouse.' }],
        max_tokens: options.maxTokens,
        temperature: 0,
        stream: true,
      },
      isToken: (event: string) => event.includes('"content":"') && !event.includes('"content":""'),
    },
    {
      name: 'POST /hello-llm',
      url: `${server.url}/hello-llm`,
      body: { prompt: 'Once upon a time, in a lighthouse,', max_new_tokens: options.maxTokens, stream: true },
      isToken: (event: string) => event.startsWith('event: token'),
    },
  ];
  try {
    const rows: string[][] = [];
    for (const c of cases) {
      await timeStream(c.url, c.body, c.isToken); // loads the model
      const timings: StreamTiming[] = [];
      for (let i = 0; i < options.runs; i++) timings.push(await timeStream(c.url, c.body, c.isToken));
      const first = summarize(timings.map((t) => t.firstTokenMs));
      const total = summarize(timings.map((t) => t.totalMs));
      rows.push([
        c.name,
        String(timings.length),
        String(Math.round(summarize(timings.map((t) => t.events)).medianMs)),
        ms(first.medianMs),
        ms(first.p95Ms),
        ms(total.medianMs),
        ms(total.p95Ms),
        `${((first.medianMs / total.medianMs) * 100).toFixed(1)}%`,
      ]);
    }
    printTable(
      `Streaming through the local server, ${options.maxTokens} tokens, greedy, ${profile} generator (${model})`,
      [
        'route',
        'runs',
        'token events',
        'first token median ms',
        'p95',
        'whole generation median ms',
        'p95',
        'first/whole',
      ],
      rows,
    );
  } finally {
    await server.stop();
  }
}
