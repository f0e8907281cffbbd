/**
 * The streaming endpoint over a Node HTTP server (the local server's front): the request as the payload 2.0
 * event a function URL sends, and a sink that writes to the socket as Lambda's response stream does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { ResponseSink } from './streaming';

/** An API Gateway payload 2.0 event for a Node request, as a function URL sends it. */
export function eventFromRequest(request: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const contentType = headers['content-type'] ?? '';
  const text = contentType === '' || /json|^text\//.test(contentType);
  const method = request.method ?? 'GET';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    requestContext: {
      accountId: 'offline',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: crypto.randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    ...(body.length > 0 ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !text,
  };
}

/** A sink over a Node response: the status and headers, then each write flushed as it is made. */
export function nodeSink(request: IncomingMessage, response: ServerResponse): ResponseSink {
  const controller = new AbortController();
  response.on('close', () => {
    if (!response.writableFinished) controller.abort();
  });
  request.on('aborted', () => controller.abort());
  return {
    start(statusCode, headers) {
      response.writeHead(statusCode, headers);
      response.flushHeaders();
    },
    write(chunk) {
      response.write(chunk);
    },
    end: () =>
      new Promise<void>((resolve) => {
        if (response.writableEnded || response.destroyed) resolve();
        else response.end(() => resolve());
      }),
    signal: controller.signal,
  };
}
