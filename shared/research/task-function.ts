/**
 * The one helper that turns a workflow step into a Lambda function, as `httpFunction` does for a route: the
 * step says what it does (`handle`, over the dependencies it names) and the function what it composes for it
 * (`compose`); its input is checked against its schema, and what it throws reaches Step Functions under the
 * error's name (`WikipediaUnavailableError`, `ModelUnavailableError`), which the definition's Retry and Catch
 * match. Composition happens on the first invocation, once per container, so importing a step (the local
 * workflow does) costs nothing.
 */

import type { Logger } from '@aws-lambda-powertools/logger';
import { type BaseDependencies, baseDependencies } from '../app/base';
import { InvalidTaskInputError } from '../errors';
import * as z from '../schema';

/** A step of the workflow: its input's schema, and what it does over the dependencies it names. */
export interface TaskStep<D, S extends z.core.$ZodType, R> {
  readonly name: string;
  readonly input: S;
  readonly handle: (input: z.output<S>, deps: D) => Promise<R>;
}

/** A step as written, its types inferred from its `handle`. */
export const taskStep = <D, S extends z.core.$ZodType, R>(step: TaskStep<D, S, R>) => step;

export interface TaskFunctionDefinition<Deps extends BaseDependencies, S extends z.core.$ZodType, R>
  extends TaskStep<Deps, S, R> {
  readonly compose: (base: BaseDependencies) => Deps;
}

export type TaskHandler<R> = (event: unknown) => Promise<R>;

export interface TaskFunction<Deps, R> {
  /** The Lambda handler: composed on its first invocation, once per container. */
  readonly handler: TaskHandler<R>;
  /** The same step over given dependencies (tests, and the in-process workflow). */
  readonly create: (deps: Deps) => TaskHandler<R>;
  readonly compose: (base: BaseDependencies) => Deps;
}

/** A step over given dependencies: its input checked, a failure logged and thrown on under its own name. */
export function taskHandler<D, S extends z.core.$ZodType, R>(
  step: TaskStep<D, S, R>,
  deps: D & { readonly logger: Logger },
): TaskHandler<R> {
  return async (event) => {
    const parsed = z.safeParse(step.input, event);
    if (!parsed.success) throw new InvalidTaskInputError(`${step.name}: ${z.prettifyError(parsed.error)}`);
    const started = performance.now();
    try {
      return await step.handle(parsed.data, deps);
    } catch (error) {
      deps.logger.warn('workflow step failed', {
        step: step.name,
        ms: Math.round(performance.now() - started),
        error: error as Error,
      });
      throw error;
    }
  };
}

export function taskFunction<Deps extends BaseDependencies, S extends z.core.$ZodType, R>(
  definition: TaskFunctionDefinition<Deps, S, R>,
): TaskFunction<Deps, R> {
  const create = (deps: Deps): TaskHandler<R> => taskHandler(definition, deps);
  let composed: TaskHandler<R> | undefined;
  return {
    handler: (event) => {
      composed ??= create(definition.compose(baseDependencies()));
      return composed(event);
    },
    create,
    compose: definition.compose,
  };
}
