/**
 * Runs the deployed Express state machine synchronously (StartSyncExecution) and reads its outcome. An
 * Express run's history is not returned to its caller, so the trace is what the states themselves report:
 * each task's own duration, with `retries` null (the run's CloudWatch log holds the full history).
 */
import { SFNClient, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { GatewayTimeoutError, UpstreamError } from '../errors';
import type { ResearchWorkflow, TraceEntry } from './workflow';

const Timed = z.object({ timing_ms: z.number() }).loose();
const ReportedTimings = z
  .object({
    fetch_ms: z.number().optional(),
    summary: Timed.optional(),
    sentiment: Timed.optional(),
    lookup: z.object({ timing_ms: z.number().optional() }).loose().optional(),
  })
  .loose();

/** The per-state durations a succeeded or refused run carries in its output. */
export function reportedTrace(output: unknown): TraceEntry[] {
  const parsed = ReportedTimings.safeParse(output);
  if (!parsed.success) return [];
  const { fetch_ms, summary, sentiment, lookup } = parsed.data;
  const entry = (state: string, ms: number | undefined): TraceEntry[] =>
    ms === undefined ? [] : [{ state, ms, status: 'succeeded', retries: null }];
  return [
    ...entry('FetchArticle', fetch_ms ?? lookup?.timing_ms),
    ...entry('Summarize', summary?.timing_ms),
    ...entry('ClassifySentiment', sentiment?.timing_ms),
  ];
}

export function createAwsWorkflow(deps: { stateMachineArn: string; client?: SFNClient }): ResearchWorkflow {
  const client = deps.client ?? new SFNClient({});
  return {
    async run(input) {
      const result = await client.send(
        new StartSyncExecutionCommand({
          stateMachineArn: deps.stateMachineArn,
          input: JSON.stringify(input),
        }),
      );
      const id = result.executionArn ?? 'unknown';
      if (result.status === 'TIMED_OUT')
        throw new GatewayTimeoutError(
          'the research workflow ran out of its time budget; retry, or ask for less',
        );
      if (result.status !== 'SUCCEEDED' || result.output === undefined)
        throw new UpstreamError(
          `the research workflow ended ${result.status ?? 'without a status'} (${result.error ?? 'no error'})`,
        );
      let output: unknown;
      try {
        output = JSON.parse(result.output);
      } catch {
        throw new UpstreamError('the research workflow answered something that is not JSON');
      }
      return { output, trace: reportedTrace(output), execution: { mode: 'aws', id } };
    },
  };
}
