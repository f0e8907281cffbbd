/**
 * Runs async sections one after another. transformers.js samples from one process-wide seeded RNG, so a
 * seeded generation must not interleave with another sampling call to stay reproducible.
 */
export type Exclusive = <T>(section: () => Promise<T>) => Promise<T>;

export function createExclusive(): Exclusive {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(section: () => Promise<T>) => {
    const run = tail.then(section, section);
    tail = run.catch(() => undefined);
    return run;
  };
}
