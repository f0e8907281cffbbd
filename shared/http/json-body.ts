/**
 * JSON request bodies: content type, size limit, base64 bodies and malformed JSON, each with its own status.
 */
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
  const bytes = rawBody(event);
  if (bytes.length > maxBytes) {
    throw new PayloadTooLargeError(`Request body is ${bytes.length} bytes; the limit is ${maxBytes} bytes`);
  }
  if (bytes.length === 0) return {};
  const mediaType = headerValue(event, 'content-type')?.split(';')[0]?.trim() ?? '';
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
