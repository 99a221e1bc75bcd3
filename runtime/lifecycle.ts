/**
 * The start and close mechanics every long-running component shares (ProcessorRunner, DispatchRunner):
 * a start that fails releases what it had set up before throwing, and a close runs every release step
 * in order, logs each failure and throws the first.
 */
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';

/** Runs `start`; when it fails, closes `component` (whose close releases what exists) and rethrows. */
export async function startOrClose<C extends { close(): Promise<void> }>(
  component: C,
  start: () => Promise<void>,
): Promise<C> {
  try {
    await start();
  } catch (error: unknown) {
    await component.close().catch(() => undefined);
    throw error;
  }
  return component;
}

/** One step of a close: what it does (for the log) and the release itself; undefined to skip it. */
export type CloseStep = readonly [what: string, release: (() => Promise<unknown> | undefined) | undefined];

/**
 * Runs every step in order, even after one failed; logs each failure (`could not <what>`) and throws
 * the first once all ran.
 */
export async function closeInOrder(log: Logger, steps: readonly CloseStep[]): Promise<void> {
  let first: Error | undefined;
  for (const [what, release] of steps) {
    if (!release) continue;
    try {
      await release();
    } catch (error: unknown) {
      first ??= toError(error);
      log.warn({ err: error }, `could not ${what}`);
    }
  }
  if (first) throw first;
}
