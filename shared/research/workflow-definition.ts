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

/** Time limits of a run: the whole run's, and each task state's (each attempt of it). */
export interface WorkflowTimeouts {
  readonly runSeconds: number;
  readonly taskSeconds: number;
}

interface StateLike {
  Type?: string;
  TimeoutSeconds?: number;
  Branches?: { States: Record<string, StateLike> }[];
}

/**
 * The definition with its time limits replaced: the top-level `TimeoutSeconds` by `runSeconds`, and every
 * task state's, Parallel branches included, by `taskSeconds`. The written limits are API Gateway's (an
 * Express run started synchronously); a job has its worker's minutes instead.
 */
export function withTimeouts(definition: unknown, timeouts: WorkflowTimeouts): unknown {
  const copy = structuredClone(definition) as { TimeoutSeconds?: number; States: Record<string, StateLike> };
  const visit = (states: Record<string, StateLike>) => {
    for (const state of Object.values(states)) {
      if (state.Type === 'Task') state.TimeoutSeconds = timeouts.taskSeconds;
      for (const branch of state.Branches ?? []) visit(branch.States);
    }
  };
  copy.TimeoutSeconds = timeouts.runSeconds;
  visit(copy.States);
  return copy;
}

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
