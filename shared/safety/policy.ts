/**
 * Safety policies: for each filter, what a route does with what it finds, in its input and its output.
 * Written in one variable, `SAFETY_POLICIES`: `filter=policy` for every route, `route.filter=policy` for one
 * (its function name), later entries winning: `pii=redact,injection=flag,chat.injection=block`.
 */

export const SAFETY_FILTERS = ['pii', 'injection', 'toxicity'] as const;
export type SafetyFilterName = (typeof SAFETY_FILTERS)[number];

/**
 * `block`: answer 422 `content_blocked`; `redact`: replace what was found and go on; `flag`: go on and
 * report it; `off`: do not look.
 */
export const SAFETY_POLICIES = ['block', 'redact', 'flag', 'off'] as const;
export type SafetyPolicy = (typeof SAFETY_POLICIES)[number];

export type FilterPolicies = Readonly<Record<SafetyFilterName, SafetyPolicy>>;

export interface SafetyPolicies {
  readonly defaults: FilterPolicies;
  readonly routes: Readonly<Record<string, Partial<FilterPolicies>>>;
}

export const ALL_OFF: FilterPolicies = { pii: 'off', injection: 'off', toxicity: 'off' };

const ENTRY = /^(?:([a-z][a-z0-9-]*)\.)?([a-z]+)=([a-z]+)$/;

/** The problem with a policy list, or undefined when it is valid. */
export function safetyPoliciesProblem(value: string): string | undefined {
  for (const entry of value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const match = ENTRY.exec(entry);
    if (!match) return `'${entry}' is not [route.]filter=policy`;
    if (!(SAFETY_FILTERS as readonly string[]).includes(match[2] ?? ''))
      return `'${entry}': the filters are ${SAFETY_FILTERS.join(', ')}`;
    if (!(SAFETY_POLICIES as readonly string[]).includes(match[3] ?? ''))
      return `'${entry}': the policies are ${SAFETY_POLICIES.join(', ')}`;
  }
  return undefined;
}

export function parseSafetyPolicies(value: string): SafetyPolicies {
  const defaults: Record<SafetyFilterName, SafetyPolicy> = { ...ALL_OFF };
  const routes: Record<string, Partial<Record<SafetyFilterName, SafetyPolicy>>> = {};
  for (const entry of value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [, route, filter, policy] = ENTRY.exec(entry) ?? [];
    if (route) routes[route] = { ...routes[route], [filter as SafetyFilterName]: policy as SafetyPolicy };
    else defaults[filter as SafetyFilterName] = policy as SafetyPolicy;
  }
  return { defaults, routes };
}

/** The policies one route applies. */
export function policiesFor(policies: SafetyPolicies, route: string): FilterPolicies {
  return { ...policies.defaults, ...policies.routes[route] };
}

export const anyFilterOn = (policies: FilterPolicies): boolean =>
  Object.values(policies).some((policy) => policy !== 'off');
