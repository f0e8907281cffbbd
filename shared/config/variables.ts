/**
 * Environment variables declared once: each with the schema its value must pass, its default (a local and a
 * Lambda one where they differ), a one-line description and the part of the service it configures. The
 * values' type, the validation (every problem at once) and the documentation tables all come from the
 * declaration, so none of them can drift from the others.
 */

import { ConfigurationError } from '../errors';
import * as z from '../schema';

/** Where a process runs, for the variables whose default differs between the two. */
export type Platform = 'local' | 'lambda';

/** A default as it would be written in the environment: one for both platforms, or one for each. */
export type DefaultValue = string | { readonly local?: string; readonly lambda?: string };

export interface Variable<
  S extends z.core.$ZodType = z.core.$ZodType,
  D extends DefaultValue | undefined = DefaultValue | undefined,
> {
  /** Validates and converts a set value. An empty variable is unset: serverless.yml passes unset ones as ''. */
  readonly schema: S;
  /** Applied when the variable is unset, then validated like a set value. */
  readonly default?: D;
  /**
   * What the documentation says the default is, where the literal default does not say it all: a default
   * computed from other variables, one that the deployment (serverless.yml) sets, a library's own. It must
   * mention each literal default (a test checks), so that it cannot drift from it.
   */
  readonly defaultText?: string;
  /** One line for the documentation table. */
  readonly description: string;
  /** The part of the service it configures. */
  readonly configures: string;
  /** Never echoed in an error message. */
  readonly secret?: boolean;
}

export type Variables = Readonly<Record<string, Variable>>;

/** Declares a variable, keeping its schema's and default's types for `Values`. */
export function variable<S extends z.core.$ZodType, const D extends DefaultValue | undefined = undefined>(
  spec: Variable<S, D>,
): Variable<S, D> {
  return spec;
}

/** A default that holds on every platform: the variable always has a value. */
type Complete<D> = D extends string ? true : D extends { local: string; lambda: string } ? true : false;

/** The values of a set of variables: each its schema's output, `undefined` only where it has no default. */
export type Values<V extends Variables> = {
  readonly [K in keyof V]: V[K] extends Variable<infer S, infer D>
    ? Complete<D> extends true
      ? z.output<S>
      : z.output<S> | undefined
    : never;
};

/**
 * A rule over several variables (one that needs another, say). It is checked only when each variable it
 * reads is valid, so that a problem is reported once, where it is.
 */
export interface CrossRule<V extends Variables> {
  readonly reads: readonly (keyof V & string)[];
  /** The problem, as `NAME: what is wrong`, or undefined when the rule holds. */
  readonly check: (values: Values<V>) => string | undefined;
}

/** The value the environment gives, with '' as unset. */
function setValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

export function defaultFor(spec: Variable, platform: Platform): string | undefined {
  if (spec.default === undefined || typeof spec.default === 'string') return spec.default;
  return spec.default[platform];
}

const MAX_ECHOED = 60;
const echo = (value: string) =>
  JSON.stringify(value.length <= MAX_ECHOED ? value : `${value.slice(0, MAX_ECHOED)}…`);

/**
 * Reads `variables` from `env`: an unset one takes its default for `platform`, each is validated, then each
 * rule whose variables are valid is checked. Every problem is reported at once, in one ConfigurationError
 * whose `problems` list one line each (values of secret variables are never shown).
 */
export function readVariables<V extends Variables>(
  variables: V,
  env: NodeJS.ProcessEnv,
  options: { platform?: Platform; rules?: readonly CrossRule<V>[] } = {},
): Values<V> {
  const platform = options.platform ?? 'local';
  const values: Record<string, unknown> = {};
  const invalid = new Set<string>();
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(variables)) {
    const given = setValue(env, name);
    const raw = given ?? defaultFor(spec, platform);
    if (raw === undefined) {
      values[name] = undefined;
      continue;
    }
    const parsed = z.safeParse(spec.schema, raw);
    if (parsed.success) {
      values[name] = parsed.data;
      continue;
    }
    invalid.add(name);
    const reasons = [...new Set(parsed.error.issues.map((issue) => issue.message))].join(', ');
    const shown = given === undefined ? ' (its default)' : spec.secret ? '' : ` (got ${echo(given)})`;
    problems.push(`${name}: ${reasons}${shown}`);
  }
  for (const rule of options.rules ?? []) {
    if (rule.reads.some((name) => invalid.has(name))) continue;
    const problem = rule.check(values as Values<V>);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0)
    throw new ConfigurationError(`Invalid configuration: ${problems.join('; ')}`, problems);
  return values as Values<V>;
}

/** The documentation's default cell: the text where there is one, else the literal default(s). */
export function defaultCell(spec: Variable): string {
  if (spec.defaultText !== undefined) return spec.defaultText;
  if (spec.default === undefined) return 'unset';
  if (typeof spec.default === 'string') return `\`${spec.default}\``;
  const side = (value: string | undefined) => (value === undefined ? 'unset' : `\`${value}\``);
  return spec.default.local === spec.default.lambda
    ? side(spec.default.local)
    : `${side(spec.default.local)} / ${side(spec.default.lambda)}`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A markdown table of `variables`: name, default, what it configures, description; one row each. */
export function variablesTable(
  variables: Variables,
  options: { defaultHeading?: string; configuresHeading?: string } = {},
): string {
  const rows = Object.entries(variables).map(
    ([name, spec]) =>
      `| \`${name}\` | ${cell(defaultCell(spec))} | ${cell(spec.configures)} | ${cell(spec.description)} |`,
  );
  return [
    `| variable | ${options.defaultHeading ?? 'default'} | ${options.configuresHeading ?? 'configures'} | |`,
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** The markers that a generated table sits between, in a markdown file. */
export function markers(name: string): { readonly begin: string; readonly end: string } {
  return {
    begin: `<!-- generated: ${name} (npm run docs:config); edit the schema, not this table -->`,
    end: `<!-- end: ${name} -->`,
  };
}

/** `document` with the text between the markers of `name` replaced by `content`; throws when they are missing. */
export function replaceBetweenMarkers(document: string, name: string, content: string): string {
  const { begin, end } = markers(name);
  const start = document.indexOf(begin);
  const stop = document.indexOf(end, start);
  if (start < 0 || stop < 0) throw new Error(`the markers of '${name}' are missing: ${begin} ... ${end}`);
  return `${document.slice(0, start + begin.length)}\n${content}\n${document.slice(stop)}`;
}

/** The text between the markers of `name`, or undefined when they are missing. */
export function textBetweenMarkers(document: string, name: string): string | undefined {
  const { begin, end } = markers(name);
  const start = document.indexOf(begin);
  const stop = document.indexOf(end, start);
  return start < 0 || stop < 0 ? undefined : document.slice(start + begin.length, stop).trim();
}
