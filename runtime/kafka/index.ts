export type {
  BatchHandler,
  ClusterInfo,
  ConsumerOptions,
  IncomingRecord,
  KafkaAdmin,
  KafkaClient,
  KafkaConsumer,
  KafkaProducer,
  OutgoingRecord,
  PartitionOffsets,
  PositionEvent,
  ProducerOptions,
  RecordPosition,
  TopicState,
} from './types.ts';
export { createKafkaClient, type KafkaClientOptions } from './kafkajs-client.ts';
