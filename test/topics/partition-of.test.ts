import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { partitionOfKey } from '../../topics/partition-of.ts';

describe('partitionOfKey', () => {
  it('picks the partition kafkajs’s default (Java-compatible) partitioner picks', () => {
    const partitioner = kafkajs.Partitioners.DefaultPartitioner();
    const keys = Array.from({ length: 3000 }, (_, i) => `${'pörtfolio-'.repeat(i % 4)}${i * 7919}`);
    for (const partitions of [1, 3, 6, 12]) {
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
        partitionErrorCode: 0,
        partitionId,
        leader: 0,
        replicas: [0],
        isr: [0],
      }));
      const expected = keys.map((key) =>
        partitioner({ topic: 't', partitionMetadata, message: { key, value: null } }),
      );
      expect(keys.map((key) => partitionOfKey(key, partitions))).toEqual(expected);
    }
  });
});
