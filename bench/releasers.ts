/**
 * Clean-up registered as resources are created, run in reverse order at the end of the run, on a
 * failure or on Ctrl-C. Every step runs; the first error is kept. Idempotent: every call of `release()`
 * returns the same promise.
 */
export class Releasers {
  readonly #steps: { what: string; release: () => Promise<void> }[] = [];
  #releasing: Promise<void> | undefined;

  add(what: string, release: () => Promise<void>): void {
    this.#steps.push({ what, release });
  }

  release(report: (message: string) => void): Promise<void> {
    this.#releasing ??= this.#run(report);
    return this.#releasing;
  }

  async #run(report: (message: string) => void): Promise<void> {
    let first: Error | undefined;
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step.release();
      } catch (error: unknown) {
        first ??= error instanceof Error ? error : new Error(String(error));
        report(`clean-up: could not ${step.what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (first !== undefined) throw first;
  }
}
