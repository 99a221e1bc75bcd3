import type { Command } from 'commander';
import { LocalStack, formatStatus } from '../../stack/index.ts';
import type { CliContext } from '../context.ts';

/** Builds the local stack from the configuration. */
export function localStack(ctx: CliContext): LocalStack {
  return new LocalStack({ ...ctx.config.stack, logger: ctx.logger });
}

export function registerStackCommands(program: Command, context: (c: Command) => CliContext): void {
  const stack = program
    .command('stack')
    .description('the local Kafka (KRaft) and QuestDB, from Maven Central, without Docker');

  stack
    .command('up')
    .description('resolve the jars (cached), start Kafka and QuestDB, wait until both answer; idempotent')
    .action(async (_opts: unknown, command: Command) => {
      const ctx = context(command);
      const status = await localStack(ctx).up();
      process.stdout.write(`${formatStatus(status)}\n`);
      process.stdout.write('Stop it with `npm run tradewatch -- stack down`.\n');
    });

  stack
    .command('down')
    .description('stop both services by process id; data is kept; idempotent')
    .action(async (_opts: unknown, command: Command) => {
      const ctx = context(command);
      const status = await localStack(ctx).down();
      process.stdout.write(`${formatStatus(status)}\n`);
    });

  stack
    .command('status')
    .description('show each service, its process, endpoints and log; exits 1 unless all are healthy')
    .option('--json', 'print the status as JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const ctx = context(command);
      const status = await localStack(ctx).status();
      process.stdout.write(opts.json ? `${JSON.stringify(status, null, 2)}\n` : `${formatStatus(status)}\n`);
      if (!status.healthy) process.exitCode = 1;
    });
}
