/**
 * The researcher's state machine is valid Amazon States Language, and the file that runs locally is the one
 * serverless.yml deploys, with a substitution for every task resource it names; a job runs it with its own
 * time limits, inside its worker's, and its task states pass each step the input its schema asks for.
 */
import validator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { readServerlessConfig } from '../../scripts/serverless-config';
import { RESEARCH_JOB_TIMEOUTS } from '../../shared/research/research-jobs';
import {
  classifyArticleStep,
  fetchArticleStep,
  summarizeArticleStep,
} from '../../shared/research/research-steps';
import {
  localTaskArns,
  RESEARCHER_DEFINITION,
  substituteDefinition,
  TASK_RESOURCES,
  withTimeouts,
} from '../../shared/research/workflow-definition';
import type * as z from '../../shared/schema';
import { MAX_SUMMARY_TEXT_CHARS } from '../../shared/summarization/limits';

type State = {
  Type: string;
  Resource?: string;
  TimeoutSeconds?: number;
  Parameters?: Record<string, string>;
  Retry?: unknown[];
  Catch?: unknown[];
  Branches?: { States: Record<string, State> }[];
};
type Definition = { TimeoutSeconds?: number; States: Record<string, State> };

/** Every task state, Parallel branches included, by name. */
const tasksOf = (states: Record<string, State>): [string, State][] =>
  Object.entries(states).flatMap(([name, state]) => [
    ...(state.Type === 'Task' ? ([[name, state]] as [string, State][]) : []),
    ...(state.Branches ?? []).flatMap((branch) => tasksOf(branch.States)),
  ]);

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

  it("takes a job's time limits in place of API Gateway's: the run's and every task state's", () => {
    // Prepare
    const written = substituteDefinition(localTaskArns()) as Definition;
    // Act
    const job = withTimeouts(written, { runSeconds: 870, taskSeconds: 840 }) as Definition;
    // Assess
    expect(written.TimeoutSeconds).toBe(27);
    expect(tasksOf(written.States).map(([, s]) => s.TimeoutSeconds)).toEqual([20, 25, 25]);
    expect(job.TimeoutSeconds).toBe(870);
    expect(tasksOf(job.States).map(([name, s]) => [name, s.TimeoutSeconds])).toEqual([
      ['FetchArticle', 840],
      ['Summarize', 840],
      ['ClassifySentiment', 840],
    ]);
    // Nothing else changes, and the definition it was made from is left as written.
    const { TimeoutSeconds: _run, ...rest } = job;
    const { TimeoutSeconds: _written, ...writtenRest } = written;
    expect(JSON.stringify(rest).replaceAll('"TimeoutSeconds":840', '"TimeoutSeconds":T')).toBe(
      JSON.stringify(writtenRest).replace(/"TimeoutSeconds":(20|25)/g, '"TimeoutSeconds":T'),
    );
    expect(validator(job).isValid).toBe(true);
  });

  it('gives a research job less time than its worker runs, and each task less than the run', () => {
    const config = readServerlessConfig();
    const worker = config.functions.imageJobsWorker as { handler: string; timeout?: number };
    expect(worker.handler).toBe('functions/jobs-worker/handler.handler');
    expect(RESEARCH_JOB_TIMEOUTS.runSeconds).toBeLessThan(worker.timeout ?? 0);
    expect(RESEARCH_JOB_TIMEOUTS.taskSeconds).toBeLessThan(RESEARCH_JOB_TIMEOUTS.runSeconds);
  });

  it("passes each task the fields its step's input schema requires", () => {
    const steps = {
      FetchArticle: fetchArticleStep.input,
      Summarize: summarizeArticleStep.input,
      ClassifySentiment: classifyArticleStep.input,
    };
    for (const [name, state] of tasksOf((RESEARCHER_DEFINITION as Definition).States)) {
      const parameters = Object.keys(state.Parameters ?? {}).map((key) => key.replace(/\.\$$/, ''));
      const schema = steps[name as keyof typeof steps] as z.ZodMiniObject;
      expect([name, parameters.sort()]).toEqual([name, Object.keys(schema.shape).sort()]);
    }
  });

  it('reads the lead, in one chunk, for a step input without the read limits (an execution started mid-deployment)', () => {
    expect(fetchArticleStep.input.parse({ topic: 'Canal', lang: 'en' })).toMatchObject({
      max_article_chars: MAX_SUMMARY_TEXT_CHARS,
    });
    expect(
      summarizeArticleStep.input.parse({ article_key: 'research/x.json', max_length: 60 }),
    ).toMatchObject({
      max_chunks: 1,
      max_rounds: 3,
    });
  });
});
