import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { type AppDependencies, defaultDependencies } from '../../shared/app/dependencies';

const Message = z.object({ jobId: z.string().min(1) });

/**
 * The queue-triggered worker: runs each job once (a redelivered message finds it taken and does nothing).
 * A message that cannot be processed at all is reported back, so SQS retries it and then dead-letters it.
 */
export function createHandler(deps: AppDependencies) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        const { jobId } = Message.parse(JSON.parse(record.body));
        await deps.imageJobs.run(jobId);
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
  built ??= createHandler(defaultDependencies());
  return built(event);
};
