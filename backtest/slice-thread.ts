/**
 * A worker thread of `backtest run`: computes the rebalances of the slices it is sent (engine's
 * computeRebalances) and posts them back, with progress every PROGRESS_EVERY rebalances.
 */
import { parentPort } from 'node:worker_threads';
import type { BacktestConfig } from './config.ts';
import { computeRebalances, type BacktestInputs } from './engine/index.ts';

export interface SliceRequest {
  readonly slice: number;
  readonly inputs: BacktestInputs;
  readonly config: BacktestConfig;
}

export type SliceMessage =
  | { readonly kind: 'progress'; readonly rebalances: number }
  | { readonly kind: 'done'; readonly slice: number; readonly results: ReturnType<typeof computeRebalances> }
  | { readonly kind: 'failed'; readonly slice: number; readonly error: string };

const PROGRESS_EVERY = 100;

parentPort?.on('message', (request: SliceRequest) => {
  let pending = 0;
  try {
    const results = computeRebalances(request.inputs, request.config, () => {
      pending += 1;
      if (pending === PROGRESS_EVERY) {
        parentPort!.postMessage({ kind: 'progress', rebalances: pending } satisfies SliceMessage);
        pending = 0;
      }
    });
    if (pending > 0)
      parentPort!.postMessage({ kind: 'progress', rebalances: pending } satisfies SliceMessage);
    parentPort!.postMessage({ kind: 'done', slice: request.slice, results } satisfies SliceMessage);
  } catch (e) {
    const error = e instanceof Error ? (e.stack ?? e.message) : String(e);
    parentPort!.postMessage({ kind: 'failed', slice: request.slice, error } satisfies SliceMessage);
  }
});
