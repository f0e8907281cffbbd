import { describe, expect, it } from 'vitest';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../../shared/errors';
import { parseJsonBody } from '../../shared/http/json-body';

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
