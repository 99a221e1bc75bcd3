/**
 * `backtest-fanout`: reads a backtest config (version 2: one task per time slice, run by
 * `tradewatch backtest worker`s) or a version 1 request (its data slices) and enqueues its
 * BacktestTasks on `backtest.tasks`, all in one Kafka transaction, requested by `job:<job id>`. The file
 * is read at each run, so editing it changes the next run.
 */
import { z } from 'zod';
import { enqueueBacktest, loadBacktestTaskSource } from '../../backtest/index.ts';
import type { JobTemplate } from './types.ts';

const params = z.strictObject({
  request: z
    .string()
    .min(1)
    .describe(
      'Path of the backtest config (version 2) or request (version 1) file, relative to the working directory',
    ),
});
export type BacktestFanoutParams = z.infer<typeof params>;

export const backtestFanout: JobTemplate<BacktestFanoutParams> = {
  name: 'backtest-fanout',
  description:
    'Enqueues a backtest config (one task per time slice, for backtest workers) or request on backtest.tasks.',
  params,
  async run(p, context) {
    const source = await loadBacktestTaskSource(p.request);
    const { tasks } = await enqueueBacktest(context.outputs, source, context.now(), `job:${context.job.id}`);
    return {
      backtest: source.id,
      version: source.version,
      tasks: tasks.length,
      digest: source.digest.slice(0, 12),
    };
  },
};
