/**
 * Runs the deployed Express state machine synchronously (StartSyncExecution) and reads its outcome. An
 * Express run's history is not returned to its caller, so the trace is what the states themselves report:
 * each task's own duration, with `retries` null (the run's CloudWatch log holds the full history).
 */
import { SFNClient, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { GatewayTimeoutError, UpstreamError } from '../errors';
import * as z from '../schema';
import type { ResearchWorkflow, TraceEntry } from './workflow';

const Timed = z.looseObject({ timing_ms: z.number() });
const ReportedTimings = z.looseObject({
  fetch_ms: z.optional(z.number()),
  summary: z.optional(Timed),
  sentiment: z.optional(Timed),
  lookup: z.optional(z.looseObject({ timing_ms: z.optional(z.number()) })),
});

/** The per-state durations a succeeded or refused run carries in its output. */
export function reportedTrace(output: unknown): TraceEntry[] {
  const parsed = z.safeParse(ReportedTimings, output);
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
