/**
 * The audit log: one structured record per request (key id, route, model, prompt, safety verdicts, usage,
 * cost, status, latency, request id), never the request's content unless AUDIT_LOG_CONTENT says so.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usageDay } from '../../shared/access/access-store';
import { createKey } from '../../shared/access/key-admin';
import { loadConfig } from '../../shared/config/environment';
import { apiKeyGuard } from '../../shared/http/access-control';
import { createHttpHandler } from '../../shared/http/handler';
import { safetyGuardFor } from '../../shared/http/safety-control';
import * as z from '../../shared/schema';
import { silentLogger } from '../helpers/dependencies';
import { type KeysTable, startKeysTable } from '../helpers/dynamodb';
import { httpEvent, invoke } from '../helpers/events';

let table: KeysTable;
beforeAll(async () => {
  table = await startKeysTable();
});
afterAll(() => table.stop());

/** A logger that keeps what it is asked to log at info. */
function recordingLogger(): { logger: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const logger = silentLogger();
  logger.info = ((message: string, extra: Record<string, unknown> = {}) => {
    records.push({ message, ...extra });
  }) as Logger['info'];
  return { logger, records };
}

function auditedRoute(env: Record<string, string>, logger: Logger) {
  const config = loadConfig({ ...process.env, ...table.env, SAFETY_POLICIES: 'pii=redact', ...env });
  const base = { config, logger };
  const access = apiKeyGuard(base);
  return createHttpHandler(
    {
      name: 'summarize',
      body: z.object({ text: z.string() }),
      handle: async () => ({
        body: {
          summary: 'short',
          model: { id: 'tiny-random/bart', profile: 'tiny' },
          prompt: { name: 'summary', version: 'v2' },
        },
        usage: { tokens: 12 },
      }),
    },
    {
      logger,
      auditContent: config.auditContent,
      ...(access ? { access } : {}),
      memoryMb: 2048,
      safety: safetyGuardFor('summarize', { input: ['text'], output: ['summary'] }, base),
    },
  );
}

describe('the audit log', () => {
  it('writes one record per request, without its content', async () => {
    // Prepare
    const { logger, records } = recordingLogger();
    const { key, record } = await createKey(table.store, {
      name: 'a',
      scopes: ['*'],
      ratePerSecond: 10,
      burst: 10,
    });
    const handler = auditedRoute({}, logger);
    // Act
    const response = await invoke(
      handler,
      httpEvent('POST', '/summarize', {
        body: { text: 'mail me at ada@example.com' },
        headers: { 'x-api-key': key, 'x-request-id': 'audit-1' },
      }),
    );
    const refused = await invoke(handler, httpEvent('POST', '/summarize', { body: { text: 'x' } }));
    // Assess
    expect(response.statusCode).toBe(200);
    expect(refused.statusCode).toBe(401);
    const audits = records
      .filter((r) => r.message === 'audit')
      .map((r) => r.audit as Record<string, unknown>);
    expect(audits).toHaveLength(2);
    expect(audits[0]).toMatchObject({
      request_id: 'audit-1',
      key_id: record.keyId,
      route: 'summarize',
      status: 200,
      model: { id: 'tiny-random/bart', profile: 'tiny' },
      safety: [{ filter: 'pii', direction: 'input', verdict: 'redacted', findings: { email: 1 } }],
      usage: { tokens: 12, images: 0 },
    });
    expect(audits[0]?.latency_ms).toEqual(expect.any(Number));
    // The prompt the answer names, and the one cost estimate: the response's, the audit's, the budget's.
    expect(audits[0]?.prompt).toEqual({ name: 'summary', version: 'v2' });
    const { cost } = response.body as { cost: { usd: number; compute_gb_s: number } };
    expect(audits[0]?.cost).toEqual(cost);
    expect(cost.usd).toBeGreaterThan(0);
    const used = await table.store.usage(record.keyId, usageDay(Date.now()));
    expect(used.computeMs).toBe(Math.round((cost.compute_gb_s / 2) * 1000));
    expect(audits[1]).toMatchObject({ key_id: null, status: 401, error_type: 'unauthorized' });
    expect(JSON.stringify(audits)).not.toContain('mail me');
  });

  it('keeps the content, redacted as the route saw it, when AUDIT_LOG_CONTENT is on', async () => {
    const { logger, records } = recordingLogger();
    const { key } = await createKey(table.store, { name: 'b', scopes: ['*'], ratePerSecond: 10, burst: 10 });
    await invoke(
      auditedRoute({ AUDIT_LOG_CONTENT: 'true' }, logger),
      httpEvent('POST', '/summarize', {
        body: { text: 'mail me at ada@example.com' },
        headers: { 'x-api-key': key },
      }),
    );
    const audit = records.find((r) => r.message === 'audit')?.audit as { content: unknown };
    expect(audit.content).toEqual({ text: 'mail me at [EMAIL]' });
  });
});
