/**
 * The producers' `createPartitioner` (kafkajs's documented option): Kafka's default partitioning of
 * keyed records as the Java client does it (`BuiltInPartitioner.partitionForKey`:
 * `toPositive(murmur2(keyBytes)) % numPartitions`), on 32-bit integer arithmetic
 * (topics/partition-of.ts, `Math.imul`) rather than kafkajs's `DefaultPartitioner`, which hashes on
 * emulated 64-bit `Long`s and filters the partition list for every message. The partitions equal the
 * Java client's (test/runtime/kafka/murmur2-partitioner.test.ts, against a table the Java client made).
 * Records without a key go round-robin over the partitions with a leader, as kafkajs does.
 */
import type { ICustomPartitioner, PartitionerArgs } from 'kafkajs';
import { murmur2, partitionOfKey } from '../../topics/partition-of.ts';

/** The partition of a keyed record among `numPartitions`, as the Java client picks it. */
export function partitionForKey(key: Buffer | string, numPartitions: number): number {
  if (typeof key === 'string') return partitionOfKey(key, numPartitions);
  return (murmur2(key) & 0x7fffffff) % numPartitions;
}

export const Murmur2Partitioner: ICustomPartitioner = () => {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }: PartitionerArgs): number => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key !== null && message.key !== undefined) {
      return partitionForKey(message.key, partitionMetadata.length);
    }
    const counter = (counters.get(topic) ?? Math.floor(Math.random() * 0x7fffffff)) + 1;
    counters.set(topic, counter);
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    if (available.length > 0) return available[(counter & 0x7fffffff) % available.length]!.partitionId;
    return (counter & 0x7fffffff) % partitionMetadata.length;
  };
};
