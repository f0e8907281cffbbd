/**
 * The streaming handler writes the same bytes whichever sink carries them: Lambda's response stream
 * (through `awslambda.HttpResponseStream.from`, faked here as the runtime defines it: metadata first, then
 * the body) and the local server's Node response. A response stream that closes aborts the sink's signal.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/stream/handler';
import { eventFromRequest, nodeSink } from '../../shared/http/node-streaming';
import { lambdaSink } from '../../shared/http/streaming';
import { testDependencies } from '../helpers/dependencies';
import { httpEvent } from '../helpers/events';

const deps = testDependencies();
afterAll(() => deps.runtime.dispose());
const handler = createHandler(deps);
const BODY = { prompt: 'Once upon a time', max_new_tokens: 8, stream: true };

/** The runtime's `awslambda` as far as the sink uses it: the metadata is recorded, the body passes on. */
function fakeAwsLambda() {
  const metadata: { statusCode: number; headers: Record<string, string> }[] = [];
  return {
    metadata,
    aws: {
      streamifyResponse: (fn: unknown) => fn,
      HttpResponseStream: {
        from(stream: NodeJS.WritableStream, meta: { statusCode: number; headers: Record<string, string> }) {
          metadata.push(meta);
          return stream;
        },
      },
    },
  };
}

/** Timings (and the cost estimated from them) differ from run to run; everything else must not. */
const withoutTimings = (text: string) =>
  text.replace(/"timing_ms":[\d.]+/g, '"timing_ms":0').replace(/"cost":\{[^}]*\}/g, '"cost":{}');

describe('the streaming sinks', () => {
  it("write the same bytes to Lambda's response stream and to a Node response", async () => {
    // Prepare: one request through a Lambda response stream
    const { aws, metadata } = fakeAwsLambda();
    const responseStream = new PassThrough();
    const chunks: Buffer[] = [];
    responseStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    await handler(
      httpEvent('POST', '/hello-llm', { body: BODY, headers: { 'x-request-id': 'same-id' } }),
      lambdaSink(aws, responseStream),
    );
    const lambdaBytes = Buffer.concat(chunks).toString('utf8');

    // Act: the same request through a Node server
    const server = http.createServer(async (request, response) => {
      const body: Buffer[] = [];
      for await (const chunk of request) body.push(chunk as Buffer);
      await handler(eventFromRequest(request, Buffer.concat(body)), nodeSink(request, response));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/hello-llm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'same-id' },
      body: JSON.stringify(BODY),
    });
    const nodeBytes = await response.text();
    server.close();

    // Assess
    expect(metadata).toHaveLength(1);
    expect(metadata[0]?.statusCode).toBe(response.status);
    expect(metadata[0]?.headers['content-type']).toBe(response.headers.get('content-type'));
    expect(metadata[0]?.headers['x-request-id']).toBe('same-id');
    expect(lambdaBytes).toMatch(/^event: token\n/);
    expect(withoutTimings(lambdaBytes)).toBe(withoutTimings(nodeBytes));
  });

  it('abort their signal when the response stream closes before the end', async () => {
    const { aws } = fakeAwsLambda();
    const responseStream = new PassThrough();
    const sink = lambdaSink(aws, responseStream);
    responseStream.destroy();
    await once(responseStream, 'close');
    expect(sink.signal.aborted).toBe(true);
  });
});
