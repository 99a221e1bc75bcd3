/**
 * The fan-out of a backtest request into tasks: time slices of `sliceMs` (the last one shorter when
 * the period does not divide), times groups of `assetsPerSlice` assets in universe order. Task
 * `slice_index` runs over time slices first, then asset groups: index = time * groups + group. The
 * tasks together cover every (time, asset) of the request exactly once.
 */
import type { BacktestTask } from '../schemas/index.ts';
import type { BacktestRequest } from './request.ts';

/** The tasks of a request, enqueued at `requestedAt` by `requestedBy` (null: a person). */
export function backtestTasks(
  request: BacktestRequest,
  requestedAt: number,
  requestedBy: string | null,
): BacktestTask[] {
  const ranges: [number, number][] = [];
  for (let from = request.from; from < request.to; from += request.sliceMs) {
    ranges.push([from, Math.min(from + request.sliceMs, request.to)]);
  }
  const groups: string[][] = [];
  for (let i = 0; i < request.universe.length; i += request.assetsPerSlice) {
    groups.push(request.universe.slice(i, i + request.assetsPerSlice));
  }
  const count = ranges.length * groups.length;
  const parameters = JSON.stringify(request.parameters);
  const tasks: BacktestTask[] = [];
  ranges.forEach(([from, to], t) => {
    groups.forEach((assets, g) => {
      const index = t * groups.length + g;
      tasks.push({
        backtest_id: request.id,
        task_id: `${request.id}/${index}`,
        slice_index: index,
        slice_count: count,
        strategy: request.strategy,
        from,
        to,
        warmup_ms: request.warmupMs,
        assets,
        initial_equity: request.initialEquity,
        parameters_json: parameters,
        request_digest: request.digest,
        requested_at: requestedAt,
        requested_by: requestedBy,
      });
    });
  });
  return tasks;
}
