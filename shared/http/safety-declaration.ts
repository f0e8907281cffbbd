import type { SafetyDeclaration, SafetyFields } from './guardrails';

/** The route's texts, screened by the filters that `SAFETY_POLICIES` turns on for it. */
export const screened = (fields: SafetyFields): SafetyDeclaration => ({
  ...fields,
  load: () => import('./safety-control'),
});
