/**
 * Versioned prompt templates: every text the suite sends to a model is a template with a name, versions and
 * a schema of its variables, so that an answer can be traced to the exact text that produced it
 * (`prompt: {name, version}` in responses) and a client can pin the version it was tested with
 * (`prompt_version`). A version's text never changes once released: `shared/prompts/prompts.lock.json`
 * holds its SHA-256, and a test fails when the text no longer matches it.
 *
 * A template's text holds `{{name}}` placeholders, and `{{#name}}…{{/name}}` sections kept only when the
 * variable is a non-empty string. Values are inserted once, never read as template text: a question holding
 * `{{passages}}` stays that text.
 */
import { PromptRenderError, RequestValidationError } from '../errors';
import * as z from '../schema';

/** One released version of a template: its text, named parts (one passage, one turn) and variables. */
export interface PromptVersionDefinition<V extends Record<string, unknown>> {
  readonly text: string;
  /** Texts repeated inside the main one (a numbered passage, a dialogue turn), rendered by `renderPart`. */
  readonly parts?: Readonly<Record<string, string>>;
  readonly variables: z.ZodMiniType<V>;
}

/** Which template and version a response used. */
export const PromptRef = z.object({ name: z.string(), version: z.string() });
export type PromptRef = z.output<typeof PromptRef>;

/** The request field that pins a template's version (`v1`, `v2`, ...); the newest when absent. */
export const PromptVersionField = z.optional(
  z.string().check(z.regex(/^v[1-9][0-9]{0,3}$/, 'must be a version such as "v1"')),
);

export interface RenderedPrompt {
  readonly text: string;
  readonly prompt: PromptRef;
}

export interface PromptTemplate<V extends Record<string, unknown>> {
  readonly name: string;
  /** Every version, oldest first. */
  readonly versions: readonly string[];
  readonly latest: string;
  /** The version a request asked for (the newest when absent); a 422 naming those there are otherwise. */
  resolve(version?: string): PromptRef;
  render(variables: V, version?: string): RenderedPrompt;
  /** One of the version's parts (a passage, a turn), with its own variables. */
  renderPart(part: string, variables: Readonly<Record<string, string | number>>, version?: string): string;
  /** The text and parts of a version, as hashed in the lock file. */
  source(version: string): { readonly text: string; readonly parts: Readonly<Record<string, string>> };
}

const versionNumber = (version: string) => Number(version.slice(1));

const SECTION = /\{\{#(\w+)\}\}([\s\S]*?)\{\{\/\1\}\}/g;
const PLACEHOLDER = /\{\{(\w+)\}\}/g;

function fill(name: string, text: string, values: Readonly<Record<string, unknown>>): string {
  const kept = text.replace(SECTION, (_, key: string, inner: string) => {
    const value = values[key];
    return typeof value === 'string' && value.length > 0 ? inner : '';
  });
  return kept.replace(PLACEHOLDER, (_, key: string) => {
    const value = values[key];
    if (typeof value !== 'string' && typeof value !== 'number')
      throw new PromptRenderError(`the prompt ${name} has no value for {{${key}}}`);
    return String(value);
  });
}

export function definePrompt<V extends Record<string, unknown>>(
  name: string,
  definitions: Readonly<Record<string, PromptVersionDefinition<V>>>,
): PromptTemplate<V> {
  const versions = Object.keys(definitions).sort((a, b) => versionNumber(a) - versionNumber(b));
  const latest = versions.at(-1);
  if (!latest || versions.some((v) => !/^v[1-9][0-9]*$/.test(v)))
    throw new Error(`the prompt ${name} needs versions named v1, v2, ...`);
  const definition = (version: string) => definitions[version] as PromptVersionDefinition<V>;

  const resolve = (version?: string): PromptRef => {
    const chosen = version ?? latest;
    if (!Object.hasOwn(definitions, chosen)) {
      throw new RequestValidationError([
        {
          path: 'prompt_version',
          message: `the prompt ${name} has no version ${chosen}; available: ${versions.join(', ')}`,
        },
      ]);
    }
    return { name, version: chosen };
  };

  return {
    name,
    versions,
    latest,
    resolve,
    render(variables, version) {
      const prompt = resolve(version);
      const { text, variables: schema } = definition(prompt.version);
      const parsed = z.safeParse(schema, variables);
      if (!parsed.success) {
        throw new PromptRenderError(
          `the prompt ${name}@${prompt.version} was given invalid variables: ${z.prettifyError(parsed.error)}`,
        );
      }
      return { text: fill(name, text, parsed.data), prompt };
    },
    renderPart(part, variables, version) {
      const prompt = resolve(version);
      const text = definition(prompt.version).parts?.[part];
      if (text === undefined)
        throw new PromptRenderError(`the prompt ${name}@${prompt.version} has no part ${part}`);
      return fill(`${name}@${prompt.version}#${part}`, text, variables);
    },
    source(version) {
      const { text, parts } = definition(resolve(version).version);
      return { text, parts: parts ?? {} };
    },
  };
}
