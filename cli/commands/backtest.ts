/**
 * `tradewatch backtest enqueue <request>`: validates a backtest request (TW_BACKTEST_INVALID, exit 2,
 * every problem with file:line) and produces one BacktestTask per slice on `backtest.tasks`, in one
 * transaction; returns once read-committed workers can see them.
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { enqueueBacktest, loadBacktestTaskSource } from '../../backtest/index.ts';
import { systemClock } from '../../core/clock.ts';
import { SchedulerOutputs } from '../../scheduler/index.ts';
import { physicalName } from '../../topics/index.ts';
import type { CliContext } from '../context.ts';
import { registerBacktestRunCommands } from './backtest-run.ts';
import { registerBacktestWorkerCommand } from './backtest-worker.ts';

export function registerBacktestCommands(program: Command, context: (c: Command) => CliContext): void {
  const backtest = program
    .command('backtest')
    .description('backtests: run a config, its artifacts, requests split into tasks for workers');
  registerBacktestRunCommands(backtest, context);
  registerBacktestWorkerCommand(backtest, context);
  backtest
    .command('enqueue')
    .description(
      'split a backtest request (YAML) into slices and produce one task per slice on backtest.tasks',
    )
    .argument('<request>', 'the request file (format: scheduler/README.md, "Backtest requests")')
    .option('--dry-run', 'check the request and print the tasks, produce nothing')
    .action(async (file: string, opts: { dryRun?: boolean }, command: Command) => {
      const ctx = context(command);
      const request = await loadBacktestTaskSource(file);
      const topic = physicalName('backtest.tasks', ctx.config.kafka.topicPrefix);
      if (opts.dryRun) {
        for (const task of request.tasks(systemClock.now(), null)) {
          process.stdout.write(`${JSON.stringify(task)}\n`);
        }
        return;
      }
      const outputs = new SchedulerOutputs({
        kafka: ctx.kafka(),
        registry: await ctx.registry(),
        topicPrefix: ctx.config.kafka.topicPrefix,
        transactionalId: `${ctx.config.kafka.clientId}-backtest-${randomUUID()}`,
        logger: ctx.logger,
      });
      ctx.onClose(() => outputs.close());
      const { tasks, positions } = await enqueueBacktest(outputs, request, systemClock.now(), null);
      const admin = await ctx.kafka().admin();
      ctx.onClose(() => admin.close());
      await admin.waitUntilVisible(positions);
      process.stdout.write(
        `enqueued backtest ${request.id}: ${tasks.length} task(s) on ${topic} (digest ${request.digest.slice(0, 12)})\n`,
      );
    });
}
