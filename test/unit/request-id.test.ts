import { describe, expect, it } from 'vitest';
import { requestIdOf } from '../../shared/http/request-id';
import { httpEvent } from '../helpers/events';

describe('requestIdOf', () => {
  it('keeps a well-formed incoming x-request-id', () => {
    const event = httpEvent('GET', '/health', { headers: { 'X-Request-Id': 'client-abc_123' } });
    expect(requestIdOf(event, { awsRequestId: 'lambda-id' })).toBe('client-abc_123');
  });

  it('ignores a malformed incoming id and uses the Lambda request id', () => {
    const event = httpEvent('GET', '/health', { headers: { 'x-request-id': 'bad id <script>' } });
    expect(requestIdOf(event, { awsRequestId: 'lambda-id' })).toBe('lambda-id');
  });

  it('gives the same event the same id every time', () => {
    const event = httpEvent('GET', '/health');
    event.requestContext.requestId = '';
    const first = requestIdOf(event);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf(event)).toBe(first);
  });
});
