import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { baseDependencies } from '../../shared/app/base';
import { composeJobWork } from '../../shared/app/jobs';
import type { JobService } from '../../shared/jobs/job-service';
import * as z from '../../shared/schema';

const Message = z.object({ jobId: z.string().check(z.minLength(1)) });

/**
 * The queue-triggered worker: runs each job with the executor of its kind (images, classic generators), or takes it over from a worker that died (no heartbeat for
 * JOB_HEARTBEAT_TIMEOUT_SECONDS) while attempts remain. A message whose job another worker holds and is alive
 * is reported back, so that SQS delivers it again after the visibility timeout and it outlives that worker;
 * so is a message that cannot be processed at all (SQS retries it, then dead-letters it).
 */
export function createHandler(deps: { jobs: JobService; logger: Logger }) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        const { jobId } = Message.parse(JSON.parse(record.body));
        if ((await deps.jobs.run(jobId)) === 'held') {
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      } catch (error) {
        deps.logger.error('job message not processed', {
          messageId: record.messageId,
          error: error as Error,
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

let built: ReturnType<typeof createHandler> | undefined;
export const handler = (event: SQSEvent) => {
  built ??= createHandler(composeJobWork(baseDependencies()));
  return built(event);
};
