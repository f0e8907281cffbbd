/**
 * JSON request bodies: content type, size limit, base64 bodies and malformed JSON, each with its own status,
 * for API Gateway events and for Node HTTP requests (the GPU service) alike.
 */
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors';

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function headerValue(
  event: Pick<APIGatewayProxyEventV2, 'headers'>,
  name: string,
): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

function rawBody(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): Buffer {
  if (event.body === undefined || event.body === null) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

/**
 * Parses the body as JSON. An absent body parses as `{}` so that validation, not parsing, reports what is
 * missing. Keys that could pollute prototypes are refused.
 */
export function parseJsonBody(
  event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded' | 'headers'>,
  maxBytes = DEFAULT_MAX_BODY_BYTES,
): unknown {
  return parseJsonBytes(rawBody(event), headerValue(event, 'content-type'), maxBytes);
}

/** The rules of `parseJsonBody` on bytes already read, whatever server received them. */
export function parseJsonBytes(bytes: Buffer, contentType: string | undefined, maxBytes: number): unknown {
  if (bytes.length > maxBytes) throw tooLarge(bytes.length, maxBytes);
  if (bytes.length === 0) return {};
  const mediaType = contentType?.split(';')[0]?.trim() ?? '';
  if (!JSON_MEDIA_TYPE.test(mediaType)) {
    throw new UnsupportedMediaTypeError(
      `Content-Type must be application/json, got ${mediaType ? `'${mediaType}'` : 'none'}`,
    );
  }
  try {
    return JSON.parse(bytes.toString('utf8'), (key, value) => {
      if (FORBIDDEN_KEYS.has(key)) throw new BadRequestError(`Forbidden key '${key}' in JSON body`);
      return value;
    });
  } catch (error) {
    if (error instanceof BadRequestError) throw error;
    throw new BadRequestError(`Malformed JSON body: ${(error as Error).message}`);
  }
}

const tooLarge = (size: number | string, maxBytes: number) =>
  new PayloadTooLargeError(`Request body is ${size} bytes; the limit is ${maxBytes} bytes`);

/**
 * Reads a Node HTTP request's body and parses it as `parseJsonBody` does (same statuses, same messages). A
 * body over `maxBytes` is refused from its Content-Length before it is read, or as soon as it passes the
 * limit; no more than `maxBytes` is ever held, and the rest is discarded as it arrives (answer such a request
 * with `connection: close`, so that the client stops sending).
 */
export function readJsonRequest(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    request.resume();
    return Promise.reject(tooLarge(declared, maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      request.off('data', onData).off('end', onEnd).off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      stop();
      chunks.length = 0;
      request.resume();
      reject(tooLarge(`more than ${maxBytes}`, maxBytes));
    };
    const onEnd = () => {
      stop();
      try {
        resolve(parseJsonBytes(Buffer.concat(chunks), request.headers['content-type'], maxBytes));
      } catch (error) {
        reject(error);
      }
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    request.on('data', onData).on('end', onEnd).on('error', onError);
  });
}
