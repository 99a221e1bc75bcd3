import type { Command } from 'commander';
import { parsePositiveInt } from '../parse.ts';
import { TradewatchError } from '../../core/errors.ts';
import {
  MANAGED_TOPIC_CONFIGS,
  TOPICS,
  applyTopics,
  physicalName,
  type TopicDefinition,
} from '../../topics/index.ts';
import type { CliContext } from '../context.ts';
import { table } from '../table.ts';

export function registerTopicCommands(program: Command, context: (c: Command) => CliContext): void {
  const topics = program.command('topics').description('the topic catalogue (topics/) and the cluster');

  topics
    .command('apply')
    .description('create missing topics, report drift from the catalogue and topics it no longer has')
    .option('--fix', 'also set drifted topic configs (retention, cleanup policy) back to the catalogue')
    .option('--replication-factor <n>', 'replication factor for created topics', parsePositiveInt, 1)
    .option('--fail-on-drift', 'exit 1 when drift remains')
    .action(
      async (opts: { fix?: boolean; replicationFactor: number; failOnDrift?: boolean }, command: Command) => {
        const ctx = context(command);
        const admin = await ctx.kafka().admin();
        ctx.onClose(() => admin.close());
        const report = await applyTopics(admin, {
          prefix: ctx.config.kafka.topicPrefix,
          replicationFactor: opts.replicationFactor,
          fix: opts.fix === true,
        });
        for (const name of report.created) process.stdout.write(`created   ${name}\n`);
        for (const name of report.unchanged) process.stdout.write(`ok        ${name}\n`);
        for (const d of report.drift) {
          process.stdout.write(
            `${d.fixed ? 'fixed' : 'DRIFT'}     ${d.topic}: ${d.what} is ${d.actual}, catalogue says ${d.expected}` +
              `${d.what === 'partitions' ? ' (not changed: it would move keys between partitions)' : ''}\n`,
          );
        }
        for (const o of report.obsolete) {
          process.stdout.write(
            `OBSOLETE  ${o.topic}: no longer used (${o.why}); once you no longer need its records, delete it: ` +
              `kafka-topics --bootstrap-server ${ctx.config.kafka.brokers.join(',')} --delete --topic ${o.topic}\n`,
          );
        }
        const remaining = report.drift.filter((d) => !d.fixed);
        if (remaining.length > 0 && opts.failOnDrift) {
          throw new TradewatchError(
            'TW_TOPIC_DRIFT',
            `${remaining.length} drift(s) from the catalogue remain (listed above). Configs: run again with ` +
              '--fix. Partitions: add them with kafka-topics --alter, knowing keys move, or recreate the topic.',
            { details: { drift: remaining } },
          );
        }
      },
    );

  topics
    .command('list')
    .description('the catalogue, with each topic’s state on the cluster')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const ctx = context(command);
      const admin = await ctx.kafka().admin();
      ctx.onClose(() => admin.close());
      const prefix = ctx.config.kafka.topicPrefix;
      const catalogue = TOPICS as readonly TopicDefinition[];
      const states = new Map(
        (
          await admin.describeTopics(
            catalogue.map((t) => physicalName(t.name, prefix)),
            MANAGED_TOPIC_CONFIGS,
          )
        ).map((s) => [s.name, s]),
      );
      const rows = catalogue.map((t) => {
        const name = physicalName(t.name, prefix);
        const state = states.get(name);
        return {
          topic: name,
          value:
            t.value.kind === 'avro'
              ? t.value.type
              : t.value.kind === 'avro-mixed'
                ? t.value.types.join(' | ')
                : 'raw bytes + error headers',
          key: t.key.doc,
          partitions: t.partitions,
          retention_days: t.retentionMs < 0 ? 'forever' : String(t.retentionMs / 86_400_000),
          cleanup: t.cleanupPolicy,
          on_cluster: state ? `yes (${state.partitions} partitions)` : 'missing',
        };
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else process.stdout.write(`${table(rows)}\n`);
    });
}
