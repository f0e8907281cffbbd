/**
 * A route's jobs are screened on output as the route screens its answer: the worker redacts, flags or
 * blocks the result before it is stored, and the stored result keeps its safety report.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { screenedJobExecutor } from '../../shared/app/screened-jobs';
import { loadConfig } from '../../shared/config/environment';
import { ContentBlockedError } from '../../shared/errors';
import type { Job } from '../../shared/jobs/job';
import { safetyReportOf } from '../../shared/safety/safety-report';
import { SUMMARIZE_SCREENED } from '../../shared/summarization/summary-jobs';

const SUMMARY = { summary: 'Write to jane.doe@example.com for the report.', chunks: 3 };
const job = { id: 'job-1', kind: 'summarize', request: { text: 'x' } } as unknown as Job;
const progress = async () => {};

const executorUnder = (policies: string) =>
  screenedJobExecutor(
    { config: loadConfig({ SAFETY_POLICIES: policies }), logger: new Logger({ logLevel: 'SILENT' }) },
    SUMMARIZE_SCREENED,
    async () => SUMMARY,
  );

describe("a route's jobs, screened on output", () => {
  it('redacts the result where the route redacts, and reports the verdicts in it', async () => {
    const result = (await executorUnder('summarize.pii=redact')(job, progress)) as typeof SUMMARY;

    expect(result.summary).not.toContain('jane.doe@example.com');
    expect(result.summary).toContain('[EMAIL]');
    expect(result.chunks).toBe(3);
    expect(safetyReportOf(result).safety?.output).toEqual([
      expect.objectContaining({ filter: 'pii', direction: 'output', verdict: 'redacted' }),
    ]);
  });

  it("fails the job with the route's content_blocked error where the route blocks", async () => {
    await expect(executorUnder('summarize.pii=block')(job, progress)).rejects.toBeInstanceOf(
      ContentBlockedError,
    );
  });

  it("leaves the result as it is where no filter is on for the route (another route's policy)", async () => {
    const result = await executorUnder('chat.pii=block')(job, progress);

    expect(result).toEqual(SUMMARY);
    expect(safetyReportOf(result)).toEqual({});
  });
});
