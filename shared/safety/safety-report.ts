/**
 * The `safety` field of a screened answer (the verdicts on its input and its output), read back from a
 * stored result, such as a job's, whose own schema does not name it.
 */
import * as z from '../schema';

const Screened = z.looseObject({
  safety: z.optional(z.object({ input: z.array(z.unknown()), output: z.array(z.unknown()) })),
});

/** `{ safety }` when `body` carries a safety report, else nothing: spread it beside the parsed body. */
export function safetyReportOf(body: unknown): { safety?: { input: unknown[]; output: unknown[] } } {
  const parsed = z.safeParse(Screened, body);
  return parsed.success && parsed.data.safety ? { safety: parsed.data.safety } : {};
}
