export type {
  AssignmentHandler,
  AtomicSendOptions,
  BatchContext,
  BatchHandler,
  ConsumerHooks,
  ClusterInfo,
  CommittedOffset,
  ConsumerOptions,
  GroupDescription,
  GroupMember,
  GroupOffsetReset,
  IncomingRecord,
  KafkaAdmin,
  KafkaClient,
  KafkaConsumer,
  KafkaProducer,
  OffsetResetTarget,
  OutgoingRecord,
  PartitionOffsets,
  PositionEvent,
  ProducerOptions,
  RecordPosition,
  TopicState,
} from '../../core/kafka-port.ts';
export { createKafkaClient, type KafkaClientOptions } from './kafkajs-client.ts';
export { kafkajsPatches, missingKafkajsPatches, type KafkajsPatch } from './kafkajs-patches.ts';
export { commitAfter, nextOffset } from './positions.ts';
export { readToEnd, type ReadToEndOptions } from './read-to-end.ts';
export { commitMetadata, committedAt } from './commit-metadata.ts';
