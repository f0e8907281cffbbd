/**
 * A route's guardrails load with its first request. A load that fails is answered as a JSON 503 (never a raw
 * error, never the route run without its guardrails), and the next request loads them again.
 */
import { describe, expect, it } from 'vitest';
import type { SafetyDeclaration } from '../../shared/http/guardrails';
import { httpFunction } from '../../shared/http/http-function';
import * as z from '../../shared/schema';
import { silentLogger, testDependencies } from '../helpers/dependencies';
import { httpEvent, invoke } from '../helpers/events';

describe('guardrails loaded with the first request', () => {
  it('answers 503 while they cannot load, runs nothing unguarded, and loads them on the next request', async () => {
    // Prepare: a safety declaration whose first import fails
    let loads = 0;
    let handled = 0;
    const safety: SafetyDeclaration = {
      input: ['text'],
      output: [],
      load: async () => {
        loads++;
        if (loads === 1) throw new Error('chunk not found');
        return import('../../shared/http/safety-control');
      },
    };
    const deps = { ...testDependencies({ SAFETY_POLICIES: 'pii=redact' }), logger: silentLogger() };
    const route = httpFunction({
      name: 'echo',
      access: 'open',
      safety,
      body: z.strictObject({ text: z.string() }),
      compose: (base) => base,
      handle: async ({ body }) => {
        handled++;
        return { body: { text: body.text } };
      },
    }).create(deps);
    const request = () =>
      invoke<{ text?: string; error?: { type: string; message: string } }>(
        route,
        httpEvent('POST', '/echo', { body: { text: 'mail ada@example.com' } }),
      );
    // Act
    const failed = await request();
    const recovered = await request();
    // Assess
    expect(failed.statusCode).toBe(503);
    expect(failed.body.error?.type).toBe('service_unavailable');
    expect(JSON.stringify(failed.body)).not.toContain('chunk not found');
    expect(recovered.statusCode).toBe(200);
    expect(recovered.body.text).toBe('mail [EMAIL]');
    expect([loads, handled]).toEqual([2, 1]);
    await deps.runtime.dispose();
  });
});
