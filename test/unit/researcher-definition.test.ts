/**
 * The researcher's state machine is valid Amazon States Language, and the file that runs locally is the one
 * serverless.yml deploys, with a substitution for every task resource it names.
 */
import validator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { readServerlessConfig } from '../../scripts/serverless-config';
import {
  localTaskArns,
  RESEARCHER_DEFINITION,
  substituteDefinition,
  TASK_RESOURCES,
} from '../../shared/research/workflow-definition';

type State = {
  Type: string;
  Resource?: string;
  Retry?: unknown[];
  Catch?: unknown[];
  Branches?: { States: Record<string, State> }[];
};
type Definition = { States: Record<string, State> };

describe('infra/researcher.asl.json', () => {
  it('is valid Amazon States Language once its task resources are filled in', () => {
    const result = validator(substituteDefinition(localTaskArns()));
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('is refused by the validator when a transition has no target (the check can fail)', () => {
    const broken = substituteDefinition(localTaskArns()) as Definition;
    (broken.States.ArticleFound as unknown as { Default: string }).Default = 'NoSuchState';
    expect(validator(broken).isValid).toBe(false);
  });

  it('fetches, then runs summary and sentiment in a Parallel state, with Retry and Catch', () => {
    const definition = RESEARCHER_DEFINITION as Definition;
    const fetch = definition.States.FetchArticle;
    expect(fetch?.Resource).toBe('${ResearcherFetchFunctionArn}');
    expect(fetch?.Retry?.length).toBeGreaterThan(0);
    expect(fetch?.Catch?.length).toBeGreaterThan(0);
    const parallel = definition.States.SummaryAndSentiment;
    expect(parallel?.Type).toBe('Parallel');
    expect(parallel?.Catch?.length).toBeGreaterThan(0);
    const branchTasks = (parallel?.Branches ?? []).flatMap((b) => Object.entries(b.States));
    expect(branchTasks.map(([name, state]) => [name, state.Resource])).toEqual([
      ['Summarize', '${ResearcherSummarizeFunctionArn}'],
      ['ClassifySentiment', '${ResearcherSentimentFunctionArn}'],
    ]);
    for (const [, state] of branchTasks) expect(state.Retry?.length).toBeGreaterThan(0);
  });

  it('is the definition serverless.yml deploys, with every task resource substituted by its function', () => {
    const config = readServerlessConfig() as unknown as {
      functions: Record<string, { handler: string }>;
      resources: {
        Resources: Record<
          string,
          {
            Type: string;
            Properties: { Definition: unknown; DefinitionSubstitutions: Record<string, unknown> };
          }
        >;
      };
    };
    const machine = config.resources.Resources.ResearcherStateMachine;
    expect(machine?.Type).toBe('AWS::StepFunctions::StateMachine');
    expect(machine?.Properties.Definition).toBe('${file(./infra/researcher.asl.json)}');
    const substitutions = machine?.Properties.DefinitionSubstitutions ?? {};
    expect(Object.keys(substitutions).sort()).toEqual(Object.values(TASK_RESOURCES).sort());
    for (const value of Object.values(substitutions)) {
      const logicalId = String((value as { GetAtt: string }).GetAtt).replace(/\.Arn$/, '');
      const functionName = logicalId.replace(/LambdaFunction$/, '');
      const key = functionName.charAt(0).toLowerCase() + functionName.slice(1);
      expect(config.functions[key]?.handler, key).toMatch(/^functions\/researcher-\w+\/handler\.handler$/);
    }
  });
});
