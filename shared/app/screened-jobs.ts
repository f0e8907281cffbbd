/**
 * The output screening of a route's jobs. A route that answers some requests as jobs (`/summarize`'s long
 * texts, `/researcher`'s whole articles) screens their input when the job is submitted, as any request; the
 * worker screens the result as the route screens its answer, before the result is stored, so `GET /jobs/{id}`
 * never shows what the route would not answer: redacted where the policy redacts, the job failed with the
 * route's `content_blocked` error where it blocks, and the verdicts in the result's `safety` field.
 */
import type { SafetyFields } from '../http/guardrails';
import type { JobExecutor } from '../jobs/job-runner';
import { loadOnce } from '../load-once';
import type { BaseDependencies } from './base';

/** The fields a route screens, by the route (its function's name) whose SAFETY_POLICIES apply. */
export interface ScreenedRoute {
  readonly route: string;
  readonly fields: SafetyFields;
}

export function screenedJobExecutor(
  base: BaseDependencies,
  { route, fields }: ScreenedRoute,
  executor: JobExecutor,
): JobExecutor {
  // The safety code loads with the route's first job, and only where a filter is on for the route.
  const guard = loadOnce(async () =>
    (await import('../http/safety-control')).safetyGuardFor(route, fields, base),
  );
  return async (job, progress) => {
    const result = await executor(job, progress);
    const screen = await guard();
    return screen ? screen.screenOutput(result, []) : result;
  };
}
