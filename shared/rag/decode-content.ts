import { RequestValidationError } from '../errors';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes `content_base64` as UTF-8 text; invalid base64 or bytes that are not UTF-8 text are a 422. */
export function decodeBase64Text(content: string): string {
  const compact = content.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new RequestValidationError([{ path: 'content_base64', message: 'is not valid base64' }]);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(compact, 'base64'));
  } catch {
    throw new RequestValidationError([{ path: 'content_base64', message: 'does not decode to UTF-8 text' }]);
  }
}
