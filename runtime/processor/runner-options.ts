import type { Clock } from '../clock.ts';
import type { KafkaClient } from '../kafka/index.ts';
import type { Logger } from '../logger.ts';
import type { SchemaRegistry } from '../../schemas/index.ts';
import type { Processor, RowSink } from './types.ts';

/** Options of a {@link ProcessorRunner}. */
export interface RunnerOptions<In, State> {
  /** The processor to run. */
  readonly processor: Processor<In, State>;
  readonly kafka: KafkaClient;
  readonly registry: SchemaRegistry;
  /** Where `row` outputs go; flushed before each commit. */
  readonly sink: RowSink;
  readonly logger: Logger;
  /** TOPIC_PREFIX. Default ''. */
  readonly topicPrefix?: string;
  /**
   * This instance's id, unique among the instances of the processor (its transactional id derives from
   * it). Default: host name and process id.
   */
  readonly instanceId?: string;
  /** Wall clock handed to the processor. Default: the system clock. */
  readonly clock?: Clock;
  /** First wait before retrying a failed sink flush; doubles up to `sinkRetryMaxMs`. Default 200 ms. */
  readonly sinkRetryInitialMs?: number;
  /** Longest wait between sink flush retries. Default 5000 ms. */
  readonly sinkRetryMaxMs?: number;
  /** See ConsumerOptions.sessionTimeoutMs. Default 10000 ms. */
  readonly sessionTimeoutMs?: number;
  /** How often due wall-clock timers are looked for (processors with timers only). Default 1000 ms. */
  readonly timerTickMs?: number;
  /** Replication factor of the changelog topic when it is created. Default 1. */
  readonly replicationFactor?: number;
}
