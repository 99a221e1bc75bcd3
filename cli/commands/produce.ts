import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { text } from 'node:stream/consumers';
import type { Command } from 'commander';
import { TradewatchError } from '../../core/errors.ts';
import { findTopic, physicalName } from '../../topics/index.ts';
import type { CliContext } from '../context.ts';
import { recordsFromJsonLines } from '../records-from-json.ts';

export function registerProduceCommand(program: Command, context: (c: Command) => CliContext): void {
  program
    .command('produce')
    .description(
      'turn JSON lines (stdin or --file) into Avro records of the topic’s schema and produce them ' +
        'in one transaction: all lines or none',
    )
    .argument('<topic>', 'logical topic name (see `topics list`)')
    .option('-f, --file <path>', 'read JSON lines from this file instead of standard input')
    .option('--dry-run', 'check every line and report, but produce nothing')
    .action(async (topicName: string, opts: { file?: string; dryRun?: boolean }, command: Command) => {
      const ctx = context(command);
      const topic = findTopic(topicName);
      if (topic.internal === true) {
        throw new TradewatchError(
          'TW_INPUT_INVALID',
          `${topic.name} is an internal topic, written by the processors only; produce to the topics they read instead (tradewatch topics list shows them)`,
        );
      }
      const source = opts.file ?? 'stdin';
      let input: string;
      try {
        input = opts.file ? await readFile(opts.file, 'utf8') : await text(process.stdin);
      } catch (error: unknown) {
        throw new TradewatchError('TW_INPUT_INVALID', `cannot read ${source}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      const registry = await ctx.registry();
      const records = recordsFromJsonLines(
        { text: input, source },
        topic,
        registry,
        ctx.config.kafka.topicPrefix,
      );
      const name = physicalName(topic.name, ctx.config.kafka.topicPrefix);
      if (records.length === 0) {
        process.stderr.write(`no records in ${source}: nothing to produce\n`);
        return;
      }
      if (opts.dryRun) {
        process.stdout.write(`${records.length} record(s) valid for ${name}; nothing produced (--dry-run)\n`);
        return;
      }
      const producer = await ctx.kafka().producer({
        transactionalId: `${ctx.config.kafka.clientId}-produce-${randomUUID()}`,
      });
      ctx.onClose(() => producer.close());
      const written = await producer.sendAtomically(records);
      // Return only once read-committed consumers see the records: `produce` then `consume` just works.
      const admin = await ctx.kafka().admin();
      ctx.onClose(() => admin.close());
      await admin.waitUntilVisible(written);
      process.stdout.write(`produced ${records.length} record(s) to ${name}\n`);
    });
}
