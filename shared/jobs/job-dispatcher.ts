/**
 * Hands a stored job to a worker: through SQS in AWS (a queue-triggered function runs it), or in this
 * process locally, after the response has been sent.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface JobDispatcher {
  dispatch(jobId: string): Promise<void>;
  /** Resolves when every in-process job started so far has finished (tests, graceful shutdown). */
  idle(): Promise<void>;
}

export function createInProcessDispatcher(run: (jobId: string) => Promise<unknown>): JobDispatcher {
  const running = new Set<Promise<unknown>>();
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
