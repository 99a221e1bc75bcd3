import { inject, onTestFinished } from 'vitest';
import { createKafkaClient, type KafkaAdmin, type KafkaClient } from '../../runtime/kafka/index.ts';
import { silentLogger } from '../../core/logger.ts';
import { TOPICS, applyTopics, physicalName } from '../../topics/index.ts';
import { uniqueName } from './unique.ts';

/** A Kafka client on the test services. */
export function testKafka(): KafkaClient {
  return createKafkaClient({ brokers: inject('services').kafkaBrokers, logger: silentLogger() });
}

/** An admin client closed when the current test ends. */
export async function testAdmin(kafka: KafkaClient = testKafka()): Promise<KafkaAdmin> {
  const admin = await kafka.admin();
  onTestFinished(() => admin.close());
  return admin;
}

/**
 * Creates every catalogue topic under a fresh TOPIC_PREFIX and deletes them when the test ends.
 * Returns the prefix.
 */
export async function withTestTopics(label: string): Promise<string> {
  const prefix = `${uniqueName(`t-${label}`)}.`;
  const admin = await testKafka().admin();
  onTestFinished(async () => {
    await admin.deleteTopics(TOPICS.map((t) => physicalName(t.name, prefix)));
    await admin.close();
  });
  await applyTopics(admin, { prefix });
  // Every partition with a leader before a test produces: on a loaded broker, electing leaders for the
  // whole catalogue can outlast the producer's own retries (NOT_LEADER). `offsets` retries until each
  // partition's leader answers.
  // One at a time: kafkajs's fetchTopicOffsets fails (a TypeError) when asked for several at once.
  for (const t of TOPICS) await admin.offsets(physicalName(t.name, prefix));
  return prefix;
}
