/** What a test expects a call to throw. */

/** The error `run` throws, which must be an instance of `kind` (anything else is rethrown). */
export function thrownBy<E extends Error>(kind: abstract new (...args: never[]) => E, run: () => unknown): E {
  try {
    run();
  } catch (e: unknown) {
    if (e instanceof kind) return e;
    throw e;
  }
  throw new Error(`expected a ${kind.name}, but nothing was thrown`);
}
