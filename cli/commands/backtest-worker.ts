/**
 * `tradewatch backtest worker`: a member of the backtest pool on `backtest.tasks` (backtest/worker.ts),
 * until SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { reportRenderer } from '../../backtest/run.ts';
import { runBacktestWorker } from '../../backtest/worker.ts';
import { parseEndpoint } from '../../sinks/questdb/endpoint.ts';
import type { CliContext } from '../context.ts';

export function registerBacktestWorkerCommand(backtest: Command, context: (c: Command) => CliContext): void {
  backtest
    .command('worker')
    .description('run backtest tasks from backtest.tasks (one consumer group: start any number)')
    .option('--artifacts <dir>', 'where artifacts and the slices of running backtests are', 'artifacts')
    .option('--no-questdb', 'do not write the results to QuestDB')
    .action(async (flags: { artifacts: string; questdb: boolean }, command: Command) => {
      const ctx = context(command);
      await runBacktestWorker(
        {
          kafka: ctx.kafka(),
          registry: await ctx.registry(),
          topicPrefix: ctx.config.kafka.topicPrefix,
          logger: ctx.logger,
          history: { endpoint: parseEndpoint(ctx.config.questdb.httpUrl), namespace: ctx.config.namespace },
          artifactsDir: flags.artifacts,
          report: reportRenderer(),
          questdb: flags.questdb
            ? { httpUrl: ctx.config.questdb.httpUrl, logger: ctx.logger, namespace: ctx.config.namespace }
            : null,
          sessionTimeoutMs: ctx.config.kafka.sessionTimeoutMs,
        },
        ctx.signal,
      );
    });
}
