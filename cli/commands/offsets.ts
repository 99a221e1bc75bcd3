/**
 * `tradewatch offsets reset`: moves a processor's consumer group on one input topic to the topic's end
 * or start, so that a new input (a rule over records added to a running deployment) starts at the
 * present instead of the topic's retained history, or an input is read again from its start. Kafka only
 * allows it while the group has no running member, so `run` for that processor is stopped first.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { PROCESSOR_NAMES, type ProcessorName } from '../../processors/index.ts';
import { closest } from '../../core/problems.ts';
import { TOPICS, physicalName, processorGroup, type TopicDefinition } from '../../topics/index.ts';
import type { OffsetResetTarget } from '../../runtime/kafka/index.ts';
import type { CliContext } from '../context.ts';
import { table } from '../table.ts';

const TARGETS = ['end', 'start'] as const satisfies readonly OffsetResetTarget[];

interface ResetFlags {
  topic: string;
  to: OffsetResetTarget;
  dryRun?: boolean;
}

export function registerOffsetsCommands(program: Command, context: (c: Command) => CliContext): void {
  const offsets = program
    .command('offsets')
    .description('the committed offsets of the processors’ consumer groups');

  offsets
    .command('reset')
    .description(
      'set a processor’s consumer-group offsets on one topic to its end (read only records produced ' +
        'from now on) or its start (read its retained history); stop `run` for that processor first',
    )
    .argument('<processor>', `the processor (${PROCESSOR_NAMES.join(', ')})`, parseProcessor)
    .requiredOption(
      '--topic <topic>',
      'logical topic name, without TOPIC_PREFIX (see `topics list`)',
      parseTopic,
    )
    .addOption(
      new Option(
        '--to <where>',
        'end: past every committed record (the group reads only what comes after); start: the first record kept',
      )
        .choices(TARGETS)
        .makeOptionMandatory(),
    )
    .option('--dry-run', 'print the offsets it would set, and change nothing')
    .action(async (processor: ProcessorName, opts: ResetFlags, command: Command) => {
      const ctx = context(command);
      const prefix = ctx.config.kafka.topicPrefix;
      const group = processorGroup(processor, prefix);
      const topic = physicalName(opts.topic, prefix);
      const admin = await ctx.kafka().admin();
      ctx.onClose(() => admin.close());
      const reset = await admin.resetGroupOffsets(group, topic, opts.to, { dryRun: opts.dryRun === true });
      const where = opts.to === 'end' ? 'its end' : 'its start';
      process.stdout.write(
        opts.dryRun
          ? `dry run, nothing changed: group ${group} on ${topic} would be set to ${where}\n`
          : `group ${group} on ${topic} set to ${where}\n`,
      );
      const rows = reset.map((p) => ({
        partition: p.partition,
        before: p.before ?? 'none',
        [opts.dryRun ? 'would_be' : 'after']: p.after,
      }));
      process.stdout.write(`${table(rows)}\n`);
    });
}

/** Commander parser: a processor name, with a did-you-mean for a typo (exit 2). */
function parseProcessor(raw: string): ProcessorName {
  if ((PROCESSOR_NAMES as readonly string[]).includes(raw)) return raw as ProcessorName;
  const guess = closest(raw, PROCESSOR_NAMES);
  throw new InvalidArgumentError(
    `unknown processor "${raw}"${guess === undefined ? '' : ` (did you mean "${guess}"?)`}; ` +
      `choose from ${PROCESSOR_NAMES.join(', ')}`,
  );
}

/** Commander parser: a catalogue topic's logical name, with a did-you-mean for a typo (exit 2). */
function parseTopic(raw: string): string {
  const names = (TOPICS as readonly TopicDefinition[]).map((t) => t.name);
  if (names.includes(raw)) return raw;
  const guess = closest(raw, names);
  throw new InvalidArgumentError(
    `unknown topic "${raw}"${guess === undefined ? '' : ` (did you mean "${guess}"?)`}; ` +
      `give the logical name, without TOPIC_PREFIX, of one of ${names.join(', ')}`,
  );
}
