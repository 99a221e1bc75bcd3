/**
 * The kafkajs adapter of the Kafka port (types.ts): the client that hands out the admin
 * (kafkajs-admin.ts), producers (kafkajs-producer.ts) and consumers (kafkajs-consumer.ts). Nothing
 * outside the kafkajs-*.ts files imports kafkajs; what it throws leaves as TradewatchErrors
 * (kafkajs-errors.ts).
 */
import kafkajs from 'kafkajs';
import type { Logger } from '../../core/logger.ts';
import { wrapAdmin } from './kafkajs-admin.ts';
import { wrapConsumer } from './kafkajs-consumer.ts';
import { guard } from './kafkajs-errors.ts';
import { KAFKAJS_LOG_LEVEL, forwardLogsTo } from './kafkajs-logs.ts';
import { missingKafkajsPatches } from './kafkajs-patches.ts';
import { wrapProducer } from './kafkajs-producer.ts';
import { Murmur2Partitioner } from './murmur2-partitioner.ts';
import type { ConsumerOptions, KafkaClient, ProducerOptions } from '../../core/kafka-port.ts';

// kafkajs is CommonJS and Node's named-export detection misses some of its exports: take them from the default.
const { Kafka } = kafkajs;

export interface KafkaClientOptions {
  /** Bootstrap servers, `host:port`. */
  readonly brokers: readonly string[];
  /** Client id sent to the brokers. Default `tradewatch`. */
  readonly clientId?: string;
  /** Parent logger; kafkajs logs become its `kafka` child. */
  readonly logger: Logger;
  /** How long to wait for a TCP connection to a broker. Default 3000 ms. */
  readonly connectionTimeoutMs?: number;
  /** How many times kafkajs retries a failed request before giving up. Default 5. */
  readonly retries?: number;
  /** How long one request may take. Default 30000 ms. */
  readonly requestTimeoutMs?: number;
}

/**
 * The transactional producer's retries (kafkajs's `retry` option of a producer; the client's are 5 from
 * 200 ms). Right after a commit the coordinator is still writing its markers and answers the next
 * transaction's first request with CONCURRENT_TRANSACTIONS, a retriable error: from 200 ms, a commit
 * every few milliseconds (a live stream) waited about 200 ms once in every five or so, which was most
 * of the latency's tail (back to back, 400 transactions of 50 records: p99 242 ms against 12–15 ms
 * from 5 ms). The Java client retries it after 20 ms. Exponential from 5 ms (kafkajs: ×2, ±20%,
 * capped at `maxRetryTime`), eleven retries keep the patience for a broker that is away (about 10 s in
 * all, against 6 s before).
 */
export const TRANSACTIONAL_PRODUCER_RETRY = Object.freeze({
  initialRetryTime: 5,
  maxRetryTime: 5000,
  retries: 11,
});

/** Creates the Kafka client. No connection is made until an admin, producer or consumer is asked for. */
export function createKafkaClient(options: KafkaClientOptions): KafkaClient {
  const log = options.logger.child({ component: 'kafka' });
  const brokers = [...options.brokers];
  const kafka = new Kafka({
    clientId: options.clientId ?? 'tradewatch',
    brokers,
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    retry: { retries: options.retries ?? 5, initialRetryTime: 200, maxRetryTime: 5000 },
    logLevel: KAFKAJS_LOG_LEVEL,
    logCreator: forwardLogsTo(log),
  });
  const where = brokers.join(',');

  return {
    async admin() {
      const admin = kafka.admin();
      await guard(where, 'connect the admin client', () => admin.connect());
      return wrapAdmin(admin, where);
    },
    async producer(producerOptions: ProducerOptions = {}) {
      warnIfUnpatched(log);
      const transactional = producerOptions.transactionalId !== undefined;
      const producer = kafka.producer({
        // The Java client's murmur2 partitioning, so keys land where Java and Python producers put them.
        createPartitioner: Murmur2Partitioner,
        idempotent: true,
        allowAutoTopicCreation: false,
        ...(transactional
          ? {
              transactionalId: producerOptions.transactionalId,
              maxInFlightRequests: 1,
              retry: TRANSACTIONAL_PRODUCER_RETRY,
              transactionTimeout: producerOptions.transactionTimeoutMs ?? 15_000,
            }
          : {}),
      });
      await guard(where, 'connect the producer', () => producer.connect());
      return wrapProducer(producer, where);
    },
    async consumer(consumerOptions: ConsumerOptions) {
      const consumer = kafka.consumer({
        groupId: consumerOptions.groupId,
        allowAutoTopicCreation: false,
        sessionTimeout: consumerOptions.sessionTimeoutMs ?? 10_000,
        heartbeatInterval: Math.max(500, Math.floor((consumerOptions.sessionTimeoutMs ?? 10_000) / 10)),
        maxWaitTimeInMs: 250,
      });
      await guard(where, 'connect the consumer', () => consumer.connect());
      return wrapConsumer(consumer, consumerOptions, where, log);
    },
  };
}

let patchesChecked = false;

/** Once per process: says so when the installed kafkajs lacks tradewatch's patches (kafkajs-patches.ts). */
function warnIfUnpatched(log: Logger): void {
  if (patchesChecked) return;
  patchesChecked = true;
  const missing = missingKafkajsPatches();
  if (missing.length === 0) return;
  log.warn(
    { missing },
    "kafkajs lacks tradewatch's patches (patches/README.md), so producing costs about 1.8x the CPU: " +
      'run `npm ci` (or `npx patch-package`) with install scripts enabled',
  );
}
