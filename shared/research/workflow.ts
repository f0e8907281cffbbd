/** How the researcher runs its state machine: in-process locally, as an Express workflow in AWS. */
import { loadOnce } from '../load-once';

/** One state of a run: how long it took, how it ended and how often it was retried. */
export interface TraceEntry {
  state: string;
  ms: number;
  status: 'succeeded' | 'failed' | 'caught';
  /** Retries of the state (null where the run's history is not visible, as for a deployed Express run). */
  retries: number | null;
}

/** The definition's input: the question, and how much work answering it may take. */
export interface WorkflowInput {
  readonly topic: string;
  readonly lang: string;
  readonly max_length: number;
  /** Characters of the article read (the FetchArticle step's cap). */
  readonly max_article_chars: number;
  /** The summary's limits (the Summarize step's): chunks of its first round, and merge rounds. */
  readonly max_chunks: number;
  readonly max_rounds: number;
}

export interface WorkflowRun {
  /** The state machine's output (checked by the caller's schema). */
  readonly output: unknown;
  readonly trace: TraceEntry[];
  readonly execution: { readonly mode: 'local' | 'aws'; readonly id: string };
}

export interface ResearchWorkflow {
  /** Runs the workflow to its end; a run over its time budget throws a GatewayTimeoutError. */
  run(input: WorkflowInput): Promise<WorkflowRun>;
}

/**
 * A workflow whose code loads with its first run (`load`), so that a function parses it only where it runs
 * it; a failed load is tried again with the next run.
 */
export function lazyWorkflow(load: () => Promise<ResearchWorkflow>): ResearchWorkflow {
  const workflow = loadOnce(load);
  return { run: async (input) => (await workflow()).run(input) };
}
