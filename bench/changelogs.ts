/**
 * By default the benchmark creates the processors' changelog topics itself (compacted, partitioned like
 * the input, `max.message.bytes` 64 MiB), as it did when the runtime still crashed on a backlog with
 * MESSAGE_TOO_LARGE; the figures in the README were measured so. The runtime now splits its
 * transactional sends under the broker's batch limit and creates changelogs that allow 16 MiB records,
 * so `--as-deployed` (the runtime's own changelogs) no longer fails; see bench/README.md.
 */
import type { KafkaAdmin } from '../runtime/kafka/index.ts';
import { createProcessors, PROCESSOR_NAMES } from '../processors/index.ts';
import { changelogsOf } from '../runtime/processor/index.ts';
import { TOPICS } from '../topics/index.ts';

/** 64 MiB: room for every key of a partition at the benchmark's sizes. */
export const CHANGELOG_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export async function createChangelogs(
  admin: KafkaAdmin,
  prefix: string,
  maxMessageBytes: number,
): Promise<void> {
  const processors = await createProcessors(PROCESSOR_NAMES);
  await admin.createTopics(
    processors
      .flatMap((processor) => changelogsOf(processor, prefix))
      .map(({ input: topic, changelog }) => {
        const input = TOPICS.find((t) => t.name === topic);
        if (!input) throw new Error(`${topic} is not in the catalogue`);
        return {
          name: changelog,
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
