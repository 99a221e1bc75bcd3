/**
 * A processor's inputs as the runner reads them, each with its state's changelog topic: compacted and
 * partitioned exactly like its input, so that partition p's state is in changelog partition p.
 */
import { TradewatchError } from '../../core/errors.ts';
import type { KafkaAdmin } from '../kafka/index.ts';
import type { Logger } from '../../core/logger.ts';
import type { RecordTypeName } from '../../schemas/index.ts';
import { changelogTopic, physicalName } from '../../topics/index.ts';
import type { ProcessorInput } from '../../processors/contract.ts';

/** Largest record (one key's state) the changelog topic accepts: 16 MiB. */
const CHANGELOG_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** One input topic as the runner reads it. */
export interface RunnerInput {
  /** Logical name. */
  readonly topic: string;
  /** Physical name (with TOPIC_PREFIX). */
  readonly physical: string;
  readonly types: readonly RecordTypeName[];
  /** Its state's changelog (physical name). */
  readonly changelog: string;
}

/**
 * The changelog topic of each input of `processor` (physical names): one per input, partitioned like it.
 * The only input of a processor, or its `primary` one, has `tradewatch.<processor>.changelog`; the
 * others `tradewatch.<processor>.<topic>.changelog`.
 */
export function changelogsOf(
  processor: {
    readonly name: string;
    readonly inputs: readonly { readonly topic: string; readonly primary?: boolean }[];
  },
  prefix: string,
): { input: string; changelog: string }[] {
  const single = processor.inputs.length === 1;
  return processor.inputs.map((input) => ({
    input: input.topic,
    changelog: changelogTopic(
      processor.name,
      prefix,
      single || input.primary === true ? undefined : input.topic,
    ),
  }));
}

/** The inputs of `processor` with their physical names and changelogs. */
export function runnerInputs(
  processor: { readonly name: string; readonly inputs: readonly ProcessorInput[] },
  prefix: string,
): RunnerInput[] {
  const changelogs = changelogsOf(processor, prefix);
  return processor.inputs.map((input, i) => ({
    topic: input.topic,
    physical: physicalName(input.topic, prefix),
    types: typeof input.type === 'string' ? [input.type] : [...input.type],
    changelog: changelogs[i]!.changelog,
  }));
}

/**
 * Creates `input`'s changelog when it is missing; refuses one partitioned unlike its input. Returns the
 * input's partition count.
 */
export async function ensureChangelog(
  admin: KafkaAdmin,
  input: RunnerInput,
  how: { readonly processor: string; readonly replicationFactor: number; readonly log: Logger },
): Promise<number> {
  const [source, changelog] = await Promise.all(
    [input.physical, input.changelog].map(
      async (t) => (await admin.describeTopics([t], ['cleanup.policy']))[0],
    ),
  );
  if (!source) {
    throw new TradewatchError(
      'TW_TOPIC_UNKNOWN',
      `the input topic ${input.physical} of ${how.processor} does not exist: run \`tradewatch topics apply\` first`,
    );
  }
  if (!changelog) {
    await admin.createTopics([
      {
        name: input.changelog,
        partitions: source.partitions,
        replicationFactor: how.replicationFactor,
        // A key's state can outgrow the broker's default 1 MiB record limit (a trailing window of many marks).
        configs: {
          'cleanup.policy': 'compact',
          'min.compaction.lag.ms': '0',
          'max.message.bytes': String(CHANGELOG_MAX_MESSAGE_BYTES),
        },
      },
    ]);
    how.log.info(
      { changelog: input.changelog, partitions: source.partitions },
      'created the changelog topic',
    );
  } else if (changelog.partitions !== source.partitions) {
    throw new TradewatchError(
      'TW_TOPIC_DRIFT',
      `${input.changelog} has ${changelog.partitions} partitions but ${input.physical} has ${source.partitions}: ` +
        'state would land in the wrong partition. Delete the changelog topic (state is rebuilt from scratch) or restore the input’s partition count.',
    );
  }
  return source.partitions;
}
