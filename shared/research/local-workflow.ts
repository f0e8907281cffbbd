/**
 * Runs the researcher's definition in-process with aws-local-stepfunctions, each task state bound to the
 * step's own handler (the code its Lambda function runs), and reads the trace from the run's event log:
 * every state with its duration, outcome and retries, Parallel branches included.
 */
import './promise-with-resolvers';
import { randomUUID } from 'node:crypto';
import { ExecutionTimeoutError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { GatewayTimeoutError } from '../errors';
import type { ResearchWorkflow, TraceEntry, WorkflowRun } from './workflow';
import {
  localTaskArns,
  type ResearchTaskState,
  substituteDefinition,
  type WorkflowTimeouts,
  withTimeouts,
} from './workflow-definition';

export type TaskHandlers = Record<ResearchTaskState, (input: unknown) => Promise<unknown>>;

interface Running {
  readonly entry: TraceEntry;
  readonly enteredAt: number;
  /** When the latest attempt failed, until a retry or a catch says what came of it. */
  failedAt?: number;
}

type EventLogs = ReturnType<StateMachine['run']>['eventLogs'];

/**
 * The trace of a run, in the order its states were entered. A state's failure is followed by a retry, a
 * catch (then its exit), or nothing (it failed, and so did its run or its Parallel).
 */
function readTrace(events: EventLogs): { trace: TraceEntry[]; reading: Promise<void> } {
  const trace: TraceEntry[] = [];
  const running = new Map<string, Running>();
  const reading = (async () => {
    for await (const event of events) {
      if (!('state' in event)) continue;
      const { name } = event.state;
      const current = running.get(name);
      if (event.type === 'StateEntered' && !current) {
        const entry: TraceEntry = { state: name, ms: 0, status: 'succeeded', retries: 0 };
        trace.push(entry);
        running.set(name, { entry, enteredAt: event.timestamp });
        continue;
      }
      if (!current) continue;
      if (event.type === 'StateFailed') current.failedAt = event.timestamp;
      else if (event.type === 'StateRetried') {
        current.entry.retries = (current.entry.retries ?? 0) + 1;
        current.failedAt = undefined;
      } else if (event.type === 'StateCaught') current.entry.status = 'caught';
      else if (event.type === 'StateExited') {
        current.entry.ms = event.timestamp - current.enteredAt;
        running.delete(name);
      }
    }
    for (const { entry, enteredAt, failedAt } of running.values()) {
      entry.status = 'failed';
      entry.ms = (failedAt ?? enteredAt) - enteredAt;
    }
  })();
  return { trace, reading };
}

type JsonValue = Parameters<StateMachine['run']>[0];

export function createLocalWorkflow(deps: {
  handlers: TaskHandlers;
  /** Limits in place of the definition's (API Gateway's): a job's, in its worker's minutes. */
  timeouts?: WorkflowTimeouts;
}): ResearchWorkflow {
  const definition = substituteDefinition(localTaskArns());
  const machine = new StateMachine(
    (deps.timeouts ? withTimeouts(definition, deps.timeouts) : definition) as StateMachineDefinition,
  );
  const handlers = Object.fromEntries(
    Object.entries(deps.handlers).map(([state, handle]) => [
      state,
      async (input: JsonValue) => (await handle(input)) as JsonValue,
    ]),
  );

  return {
    async run(input): Promise<WorkflowRun> {
      const id = randomUUID();
      const execution = machine.run(input as unknown as JsonValue, {
        overrides: { taskResourceLocalHandlers: handlers },
      });
      const { trace, reading } = readTrace(execution.eventLogs);
      let output: unknown;
      try {
        output = await execution.result;
      } catch (error) {
        if (error instanceof ExecutionTimeoutError)
          throw new GatewayTimeoutError(
            'the research workflow ran out of its time budget; retry, or ask for less',
          );
        throw error;
      } finally {
        await reading.catch(() => undefined);
      }
      return { output, trace, execution: { mode: 'local', id } };
    },
  };
}
