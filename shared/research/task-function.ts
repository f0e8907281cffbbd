/**
 * The one helper that turns a workflow step into a Lambda function, as `httpFunction` does for a route: the
 * step says what it needs (`compose`) and what it does (`handle`); its input is checked against its schema,
 * and what it throws reaches Step Functions under the error's name (`WikipediaUnavailableError`,
 * `ModelUnavailableError`), which the definition's Retry and Catch match. Composition happens on the first
 * invocation, once per container, so importing a step (the local workflow does) costs nothing.
 */

import { type BaseDependencies, baseDependencies } from '../app/base';
import { InvalidTaskInputError } from '../errors';
import * as z from '../schema';

export interface TaskFunctionDefinition<Deps extends BaseDependencies, S extends z.core.$ZodType, R> {
  readonly name: string;
  readonly input: S;
  readonly compose: (base: BaseDependencies) => Deps;
  readonly handle: (input: z.output<S>, deps: Deps) => Promise<R>;
}

export type TaskHandler<R> = (event: unknown) => Promise<R>;

export interface TaskFunction<Deps, R> {
  /** The Lambda handler: composed on its first invocation, once per container. */
  readonly handler: TaskHandler<R>;
  /** The same step over given dependencies (tests, and the in-process workflow). */
  readonly create: (deps: Deps) => TaskHandler<R>;
  readonly compose: (base: BaseDependencies) => Deps;
}

export function taskFunction<Deps extends BaseDependencies, S extends z.core.$ZodType, R>(
  definition: TaskFunctionDefinition<Deps, S, R>,
): TaskFunction<Deps, R> {
  const create =
    (deps: Deps): TaskHandler<R> =>
    async (event) => {
      const parsed = z.safeParse(definition.input, event);
      if (!parsed.success)
        throw new InvalidTaskInputError(`${definition.name}: ${z.prettifyError(parsed.error)}`);
      const started = performance.now();
      try {
        return await definition.handle(parsed.data, deps);
      } catch (error) {
        deps.logger.warn('workflow step failed', {
          step: definition.name,
          ms: Math.round(performance.now() - started),
          error: error as Error,
        });
        throw error;
      }
    };
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
