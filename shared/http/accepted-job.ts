/**
 * The answer of a route that hands a request to a job: the job submitted through the route's lazily composed
 * job services, then `202 Accepted` with the job's view and `Location` its status URL to poll.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { LazyJobWork } from '../app/lazy-jobs';
import type { JobKind } from '../jobs/job-service';
import type { RouteResult } from './handler';
import { publicBaseUrl } from './request-route';

export async function acceptedJob(
  work: LazyJobWork,
  kind: JobKind,
  request: unknown,
  event: APIGatewayProxyEventV2,
): Promise<RouteResult> {
  const { jobs, blobs } = await work();
  const job = await jobs.submit(kind, request);
  const { jobView } = await import('../jobs/job-view');
  const view = await jobView(job, publicBaseUrl(event), blobs);
  return { statusCode: 202, body: view, location: view.status_url };
}
