/**
 * The local server's front: one port that serves what a deployment serves on two URLs. Requests for the
 * streaming routes with `"stream": true` run the `stream` function's handler here, writing its bytes to the
 * socket as they come (serverless-offline buffers every response, and does not serve function URLs);
 * the playground's static files are served at the root; everything else is passed through to
 * serverless-offline unchanged. A client that disconnects aborts the
 * stream's signal, which stops the generation at the next token.
 */
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { eventFromRequest, nodeSink } from '../shared/http/node-streaming';
import type { StreamingHandler } from '../shared/http/streaming';

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const wantsStream = (body: Buffer): boolean => {
  try {
    return (JSON.parse(body.toString('utf8')) as { stream?: unknown }).stream === true;
  } catch {
    return false;
  }
};

function passThrough(
  request: IncomingMessage,
  response: ServerResponse,
  upstreamPort: number,
  body?: Buffer,
) {
  const upstream = http.request(
    {
      host: '127.0.0.1',
      port: upstreamPort,
      method: request.method,
      path: request.url,
      headers: request.headers,
    },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(response);
    },
  );
  upstream.on('error', () => {
    if (!response.headersSent) {
      response.writeHead(502, { 'content-type': 'application/json; charset=utf-8' });
      response.end(
        JSON.stringify({ error: { type: 'upstream_error', message: 'the local server is not answering' } }),
      );
    } else response.destroy();
  });
  if (body) upstream.end(body);
  else request.pipe(upstream);
}

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** A file of the static folder for a GET path (`/` is its index.html), if there is one; never outside it. */
async function staticFile(dir: string, urlPath: string): Promise<{ body: Buffer; type: string } | undefined> {
  const name = urlPath === '/' ? 'index.html' : urlPath.slice(1);
  const type = STATIC_TYPES[path.extname(name)];
  if (!type || !/^[\w.-]+$/.test(name) || name.startsWith('.')) return undefined;
  try {
    return { body: await readFile(path.join(dir, name)), type };
  } catch {
    return undefined;
  }
}

export interface FrontServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startFrontServer(options: {
  port: number;
  upstreamPort: number;
  streamingPaths: readonly string[];
  /** The `stream` function's handler, composed on the first streamed request. */
  streamingHandler: () => Promise<StreamingHandler>;
  /** A folder of static files served at the root (the playground), before any route. */
  staticDir?: string;
}): Promise<FrontServer> {
  const streaming = new Set(options.streamingPaths);
  let handler: Promise<StreamingHandler> | undefined;
  const server = http.createServer((request, response) => {
    const urlPath = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method === 'GET' && options.staticDir) {
      const { staticDir } = options;
      void staticFile(staticDir, urlPath).then((file) => {
        if (!file) passThrough(request, response, options.upstreamPort);
        else {
          response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' });
          response.end(file.body);
        }
      });
      return;
    }
    if (request.method !== 'POST' || !streaming.has(urlPath)) {
      passThrough(request, response, options.upstreamPort);
      return;
    }
    void (async () => {
      const body = await readBody(request);
      if (!wantsStream(body)) {
        passThrough(request, response, options.upstreamPort, body);
        return;
      }
      handler ??= options.streamingHandler();
      await (await handler)(eventFromRequest(request, body), nodeSink(request, response));
    })().catch((error: unknown) => {
      console.error('streaming request failed', error);
      if (!response.headersSent)
        response.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify({ error: { type: 'internal_error', message: 'Internal server error' } }));
    });
  });
  server.listen(options.port, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
