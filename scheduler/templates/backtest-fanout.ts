/**
 * `backtest-fanout`: reads a backtest request file (format: backtest/request.ts) and enqueues one
 * BacktestTask per slice on `backtest.tasks`, all in one Kafka transaction, requested by
 * `job:<job id>`. The request is read at each run, so editing the file changes the next run.
 */
import { z } from 'zod';
import { enqueueBacktest, loadBacktestRequest } from '../../backtest/index.ts';
import type { JobTemplate } from './types.ts';

const params = z.strictObject({
  request: z
    .string()
    .min(1)
    .describe('Path of the backtest request YAML file (relative to the working directory)'),
});
export type BacktestFanoutParams = z.infer<typeof params>;

export const backtestFanout: JobTemplate<BacktestFanoutParams> = {
  name: 'backtest-fanout',
  description: 'Splits a backtest request into data slices: one BacktestTask per slice on backtest.tasks.',
  params,
  async run(p, context) {
    const request = await loadBacktestRequest(p.request);
    const { tasks } = await enqueueBacktest(context.outputs, request, context.now(), `job:${context.job.id}`);
    return { backtest: request.id, tasks: tasks.length, digest: request.digest.slice(0, 12) };
  },
};
