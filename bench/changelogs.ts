/**
 * The workaround the benchmark applies by default (see README "Known problem"): it creates the
 * processors' changelog topics itself, exactly as the runtime would (compacted, partitioned like the
 * input), but with `max.message.bytes` raised. The runtime writes every touched key's whole state in
 * one record batch per changelog partition, and on a cold start over a backlog that batch passes the
 * broker's default limit (1 MiB): the transaction fails with MESSAGE_TOO_LARGE and the pipeline never
 * gets going. `--as-deployed` leaves the changelogs to the runtime and so shows that failure.
 */
import type { KafkaAdmin } from '../runtime/kafka/index.ts';
import { createProcessors, PROCESSOR_NAMES } from '../processors/index.ts';
import { TOPICS, changelogTopic } from '../topics/index.ts';

/** 64 MiB: room for every key of a partition at the benchmark's sizes. */
export const CHANGELOG_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export async function createChangelogs(
  admin: KafkaAdmin,
  prefix: string,
  maxMessageBytes: number,
): Promise<void> {
  const processors = await createProcessors(PROCESSOR_NAMES);
  await admin.createTopics(
    processors.map((processor) => {
      const input = TOPICS.find((t) => t.name === processor.input.topic);
      if (!input)
        throw new Error(`${processor.name} reads ${processor.input.topic}, which is not in the catalogue`);
      return {
        name: changelogTopic(processor.name, prefix),
        partitions: input.partitions,
        replicationFactor: 1,
        configs: {
          'cleanup.policy': 'compact',
          'min.compaction.lag.ms': '0',
          'max.message.bytes': String(maxMessageBytes),
        },
      };
    }),
  );
}
