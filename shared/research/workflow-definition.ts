/**
 * The researcher's state machine, as the one file infra/researcher.asl.json holds it. Its task resources are
 * placeholders (`${ResearcherFetchFunctionArn}`) that CloudFormation's DefinitionSubstitutions fill in when
 * deployed; the local run fills them in the same way, so the definition it executes is the deployed one.
 */
import definition from '../../infra/researcher.asl.json' with { type: 'json' };

/** The placeholders of the definition, by the task state that uses each. */
export const TASK_RESOURCES = {
  FetchArticle: 'ResearcherFetchFunctionArn',
  Summarize: 'ResearcherSummarizeFunctionArn',
  ClassifySentiment: 'ResearcherSentimentFunctionArn',
} as const;

export type ResearchTaskState = keyof typeof TASK_RESOURCES;

/** The definition as written, placeholders included (what serverless.yml deploys). */
export const RESEARCHER_DEFINITION: unknown = definition;

/** The definition with each `${Name}` replaced by `substitutions[Name]`; an unknown name is an error. */
export function substituteDefinition(substitutions: Readonly<Record<string, string>>): unknown {
  const text = JSON.stringify(definition).replace(/\$\{(\w+)\}/g, (_, name: string) => {
    const value = substitutions[name];
    if (value === undefined)
      throw new Error(`the researcher definition uses \${${name}}, which has no value`);
    return value;
  });
  return JSON.parse(text);
}

/** What the local run puts in place of the deployed functions' ARNs (only their shape is checked). */
export const localTaskArns = (): Record<string, string> =>
  Object.fromEntries(
    Object.entries(TASK_RESOURCES).map(([state, name]) => [
      name,
      `arn:aws:lambda:us-east-1:000000000000:function:genai-endpoints-local-${state}`,
    ]),
  );
