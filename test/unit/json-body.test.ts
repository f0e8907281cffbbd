import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../../shared/errors';
import { parseJsonBody, readJsonRequest } from '../../shared/http/json-body';

const json = { 'content-type': 'application/json' };

describe('parseJsonBody', () => {
  it('parses a JSON body and a base64-encoded one alike', () => {
    // Prepare
    const text = JSON.stringify({ prompt: 'héllo' });
    // Act
    const plain = parseJsonBody({ body: text, headers: json, isBase64Encoded: false });
    const encoded = parseJsonBody({
      body: Buffer.from(text).toString('base64'),
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      isBase64Encoded: true,
    });
    // Assess
    expect(plain).toEqual({ prompt: 'héllo' });
    expect(encoded).toEqual(plain);
  });

  it('treats an absent body as an empty object so that validation reports the missing fields', () => {
    expect(parseJsonBody({ headers: {}, isBase64Encoded: false })).toEqual({});
  });

  it('answers 400 for malformed JSON', () => {
    expect(() => parseJsonBody({ body: '{"prompt":', headers: json, isBase64Encoded: false })).toThrow(
      BadRequestError,
    );
  });

  it('answers 415 for a body that is not declared JSON', () => {
    const act = () =>
      parseJsonBody({ body: 'prompt=hi', headers: { 'content-type': 'text/plain' }, isBase64Encoded: false });
    expect(act).toThrow(UnsupportedMediaTypeError);
    expect(act).toThrow(/text\/plain/);
  });

  it('accepts structured JSON media types such as application/merge-patch+json', () => {
    expect(
      parseJsonBody({
        body: '{}',
        headers: { 'content-type': 'application/merge-patch+json' },
        isBase64Encoded: false,
      }),
    ).toEqual({});
  });

  it('answers 413 above the size limit, counting decoded bytes', () => {
    const body = JSON.stringify({ text: 'x'.repeat(100) });
    expect(() => parseJsonBody({ body, headers: json, isBase64Encoded: false }, 50)).toThrow(
      PayloadTooLargeError,
    );
    expect(parseJsonBody({ body, headers: json, isBase64Encoded: false }, 200)).toEqual({
      text: 'x'.repeat(100),
    });
  });

  it('refuses keys that could pollute prototypes', () => {
    const body = '{"a":{"__proto__":{"polluted":true}}}';
    expect(() => parseJsonBody({ body, headers: json, isBase64Encoded: false })).toThrow(/__proto__/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('readJsonRequest', () => {
  /** A request as a Node HTTP server hands it over: a stream of chunks with headers. */
  const request = (chunks: string[], headers: Record<string, string>) => ({
    request: Object.assign(Readable.from(chunks.map((c) => Buffer.from(c))), {
      headers,
    }) as unknown as IncomingMessage,
  });

  it('parses as parseJsonBody does, with the same errors', async () => {
    await expect(readJsonRequest(request(['{"a":', '1}'], json).request, 100)).resolves.toEqual({ a: 1 });
    await expect(readJsonRequest(request([], {}).request, 100)).resolves.toEqual({});
    await expect(readJsonRequest(request(['{"a":'], json).request, 100)).rejects.toThrow(BadRequestError);
    await expect(
      readJsonRequest(request(['{}'], { 'content-type': 'text/plain' }).request, 100),
    ).rejects.toThrow(UnsupportedMediaTypeError);
  });

  it('answers 413 from the declared length without reading, or once the body passes the limit', async () => {
    const declared = request(['{}'], { ...json, 'content-length': '1000' });
    await expect(readJsonRequest(declared.request, 100)).rejects.toThrow(/1000 bytes; the limit is 100/);
    const streamed = request(
      Array.from({ length: 100 }, () => 'x'.repeat(40)),
      json,
    );
    await expect(readJsonRequest(streamed.request, 100)).rejects.toThrow(PayloadTooLargeError);
  });
});
