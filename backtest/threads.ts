/**
 * Slices across worker threads: up to `threads` threads (default: the machine's parallelism, at most
 * one per slice) each take the next slice as they finish one. One slice runs in this thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BacktestConfig } from './config.ts';
import { computeRebalances, type BacktestInputs, type RebalanceResult } from './engine/index.ts';
import type { SliceMessage, SliceRequest } from './slice-thread.ts';

export interface SliceProgress {
  /** Told after each finished slice. */
  readonly onSlice?: () => void;
  /** Told with a number of rebalances done. */
  readonly onRebalances?: (count: number) => void;
}

/** The rebalances of each slice, in slice order. */
export async function runSlices(
  slices: readonly BacktestInputs[],
  config: BacktestConfig,
  options: SliceProgress & {
    readonly threads?: number;
    /** Even one slice in a worker thread (this thread's event loop stays free, e.g. for heartbeats). */
    readonly thread?: boolean;
  } = {},
): Promise<RebalanceResult[][]> {
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), slices.length));
  if (options.thread !== true && (slices.length <= 1 || threads === 1)) {
    return slices.map((inputs) => {
      const results = computeRebalances(inputs, config, () => options.onRebalances?.(1));
      options.onSlice?.();
      return results;
    });
  }
  const results = new Array<RebalanceResult[]>(slices.length);
  let next = 0;
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: threads }, () => {
        const worker = new Worker(new URL('./slice-thread.ts', import.meta.url));
        workers.push(worker);
        return new Promise<void>((resolve, reject) => {
          const send = (): void => {
            if (next >= slices.length) {
              resolve();
              return;
            }
            const slice = next++;
            worker.postMessage({ slice, inputs: slices[slice]!, config } satisfies SliceRequest);
          };
          worker.on('message', (message: SliceMessage) => {
            if (message.kind === 'progress') options.onRebalances?.(message.rebalances);
            else if (message.kind === 'failed')
              reject(new Error(`slice ${message.slice} failed: ${message.error}`));
            else {
              results[message.slice] = message.results;
              options.onSlice?.();
              send();
            }
          });
          worker.on('error', reject);
          worker.on('exit', (code) => {
            if (code !== 0) reject(new Error(`a backtest worker thread exited with code ${code}`));
          });
          send();
        });
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
