/**
 * Runs async work one piece at a time, in the order it was queued: one transaction at a time on a
 * producer, one flush at a time on a sink, one file operation at a time in a process. A piece that
 * fails fails for its caller only; the next piece runs all the same.
 */
export class SerialQueue {
  /** The last piece queued, settled either way (never rejects). */
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `work` once everything queued before it has settled; resolves or rejects as `work` does. */
  run<T>(work: () => T | Promise<T>): Promise<T> {
    const run = this.#tail.then(work);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Resolves once everything queued so far has settled; never rejects. */
  async idle(): Promise<void> {
    await this.#tail;
  }
}
