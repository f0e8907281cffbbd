/**
 * Safety filters in the HTTP layer: a route names the fields of its request and response that hold text
 * (`safety: { input: ['prompt'], output: ['completion', 'generated_text'] }`), and the policies of
 * `SAFETY_POLICIES` for the route decide what happens to them. The request's texts are screened once the
 * body is valid, before the route sees them; the response's before it leaves, and the verdicts of both are
 * reported in the response's `safety` field.
 */
import type { BaseDependencies } from '../app/base';
import { anyFilterOn, type FilterPolicies, policiesFor } from '../safety/policy';
import {
  createSafetyScreen,
  type Direction,
  type SafetyClassifiers,
  type SafetyScreen,
  type SafetyVerdict,
} from '../safety/safety-screen';
import type { SafetyFields } from './guardrails';

export interface SafetyGuard {
  /** The body with its texts screened (redacted where the policy says), and the verdicts; or a 422. */
  screenInput<B>(body: B): Promise<{ body: B; verdicts: SafetyVerdict[] }>;
  /** The response body screened, with `safety: {input, output}` added. */
  screenOutput(body: unknown, inputVerdicts: readonly SafetyVerdict[]): Promise<unknown>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

type Path = readonly (string | number)[];

/**
 * The strings at `fields`, in order, with where each came from. A field is a top-level name (`prompt`), or a
 * path through objects and arrays (`messages.*.content`, `choices.*.message.content`; `*` is every element);
 * where it ends at an array, each string of the array counts.
 */
function textsOf(body: unknown, fields: readonly string[]): { path: Path; text: string }[] {
  const found: { path: Path; text: string }[] = [];
  const walk = (value: unknown, segments: readonly string[], path: Path): void => {
    const [segment, ...rest] = segments;
    if (segment === undefined) {
      if (typeof value === 'string') found.push({ path, text: value });
      else if (Array.isArray(value))
        value.forEach((item, index) => {
          if (typeof item === 'string') found.push({ path: [...path, index], text: item });
        });
      return;
    }
    if (segment === '*') {
      if (Array.isArray(value))
        value.forEach((item, index) => {
          walk(item, rest, [...path, index]);
        });
      return;
    }
    if (isRecord(value) && segment in value) walk(value[segment], rest, [...path, segment]);
  };
  for (const field of fields) walk(body, field.split('.'), []);
  return found;
}

/** A copy of `body` with the string at `path` replaced. */
function withText(body: unknown, path: Path, text: string): unknown {
  const [key, ...rest] = path;
  if (key === undefined) return text;
  if (Array.isArray(body)) {
    const copy = [...body];
    copy[key as number] = withText(copy[key as number], rest, text);
    return copy;
  }
  const record = body as Record<string, unknown>;
  return { ...record, [key]: withText(record[key], rest, text) };
}

async function screenFields<B>(
  screen: SafetyScreen,
  direction: Direction,
  body: B,
  fields: readonly string[],
  policies: FilterPolicies,
): Promise<{ body: B; verdicts: SafetyVerdict[] }> {
  const found = textsOf(body, fields);
  const { texts, verdicts } = await screen.screen(
    direction,
    found.map((f) => f.text),
    policies,
  );
  let screened: unknown = body;
  found.forEach((f, i) => {
    const text = texts[i] as string;
    if (text !== f.text) screened = withText(screened, f.path, text);
  });
  return { body: screened as B, verdicts };
}

export function createSafetyGuard(
  fields: SafetyFields,
  policies: FilterPolicies,
  screen: SafetyScreen,
): SafetyGuard {
  return {
    screenInput: (body) => screenFields(screen, 'input', body, fields.input, policies),
    async screenOutput(body, inputVerdicts) {
      const screened = await screenFields(screen, 'output', body, fields.output, policies);
      if (!isRecord(screened.body)) return screened.body;
      return { ...screened.body, safety: { input: inputVerdicts, output: screened.verdicts } };
    },
  };
}

/**
 * The route's safety guard when `SAFETY_POLICIES` turns a filter on for it; undefined (nothing screened,
 * no `safety` field) otherwise. Classifiers come from the route's own composition where it has them.
 */
export function safetyGuardFor(
  route: string,
  fields: SafetyFields | undefined,
  base: BaseDependencies,
  classifiers?: SafetyClassifiers,
): SafetyGuard | undefined {
  if (!fields) return undefined;
  const policies = policiesFor(base.config.safety, route);
  if (!anyFilterOn(policies)) return undefined;
  const threshold = base.config.safetyThreshold;
  return createSafetyGuard(
    fields,
    policies,
    createSafetyScreen({ classifiers: classifiers ?? lazyClassifiers(base, policies), threshold }),
  );
}

/**
 * The classifiers the policies need, on a model runtime of their own that loads (with transformers.js) on
 * the first text screened, so that a route whose filters are off never loads them.
 */
function lazyClassifiers(base: BaseDependencies, policies: FilterPolicies): SafetyClassifiers {
  let loaded: Promise<Required<SafetyClassifiers>> | undefined;
  const load = () => {
    loaded ??= Promise.all([import('../app/model-runtime'), import('../safety/classifiers')]).then(
      ([{ composeModelRuntime }, { createSafetyClassifiers }]) =>
        createSafetyClassifiers(composeModelRuntime(base)),
    );
    return loaded;
  };
  return {
    ...(policies.toxicity === 'off' ? {} : { toxicity: async (texts) => (await load()).toxicity(texts) }),
    ...(policies.injection === 'off' ? {} : { injection: async (texts) => (await load()).injection(texts) }),
  };
}
