/**
 * Hands a stored job to a worker: through SQS in AWS (a queue-triggered function runs it), or in this
 * process locally, after the response has been sent. The in-process dispatcher also sweeps for jobs whose
 * worker died (a crash of an earlier process): with a queue, SQS redelivers their message instead.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface JobDispatcher {
  dispatch(jobId: string): Promise<void>;
  /** Resolves when every in-process job started so far has finished (tests, graceful shutdown). */
  idle(): Promise<void>;
}

export interface JobSweep {
  /** One pass over the unfinished jobs; it logs its own failures. */
  readonly run: () => Promise<void>;
  readonly everyMs: number;
}

export function createInProcessDispatcher(
  run: (jobId: string) => Promise<unknown>,
  options: { sweep?: JobSweep } = {},
): JobDispatcher {
  const running = new Set<Promise<unknown>>();
  const { sweep } = options;
  if (sweep) {
    // One pass at a time, never keeping the process alive on its own.
    const next = () =>
      setTimeout(
        () =>
          sweep
            .run()
            .catch(() => undefined)
            .finally(next),
        sweep.everyMs,
      ).unref();
    next();
  }
  return {
    async dispatch(jobId) {
      const task = new Promise((resolve) => setImmediate(resolve))
        .then(() => run(jobId))
        .catch(() => undefined)
        .finally(() => running.delete(task));
      running.add(task);
    },
    async idle() {
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}

export function createSqsDispatcher(deps: { client: SQSClient; queueUrl: string }): JobDispatcher {
  return {
    async dispatch(jobId) {
      await deps.client.send(
        new SendMessageCommand({ QueueUrl: deps.queueUrl, MessageBody: JSON.stringify({ jobId }) }),
      );
    },
    async idle() {},
  };
}
