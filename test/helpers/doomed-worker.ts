/**
 * A job worker in a process of its own, for tests of workers that die: it claims the job (a first delivery,
 * or a redelivery that takes over from a dead worker), reports step 1 and then works forever, heartbeats
 * running, until the test kills it with SIGKILL. It prints `working` once it holds the job, or the outcome
 * of a claim it did not win.
 *
 * Usage: node --import tsx test/helpers/doomed-worker.ts <dataDir> <jobId> <workerId> <heartbeatTimeoutMs>
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { runJob } from '../../shared/jobs/job-runner';
import { createBlobJobStore } from '../../shared/jobs/job-store';
import { createLocalBlobStore } from '../../shared/storage/local-blob-store';

const [dataDir, jobId, workerId, heartbeatMs] = process.argv.slice(2);
if (!dataDir || !jobId || !workerId || !heartbeatMs)
  throw new Error('usage: <dataDir> <jobId> <workerId> <ms>');

const keepAlive = setInterval(() => undefined, 60_000);
const outcome = await runJob(jobId, {
  store: createBlobJobStore({ blobs: createLocalBlobStore({ root: dataDir }) }),
  workerId,
  timeouts: { heartbeatMs: Number(heartbeatMs), queuedMs: 900_000 },
  logger: new Logger({ serviceName: 'doomed-worker', logLevel: 'SILENT' }),
  execute: async (_job, progress) => {
    await progress(1, 3);
    process.stdout.write('working\n');
    return new Promise(() => undefined);
  },
});
process.stdout.write(`${outcome}\n`);
clearInterval(keepAlive);
