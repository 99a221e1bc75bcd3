/**
 * The kafkajs consumer behind KafkaConsumer: batches of one partition at a time, handed over as the
 * port's records; positions, assignments and crashes reported through the hooks.
 */
import type { Consumer, IHeaders } from 'kafkajs';
import type { Logger } from '../../core/logger.ts';
import { guard, translate } from './kafkajs-errors.ts';
import { nextOffset } from './positions.ts';
import type {
  BatchHandler,
  ConsumerHooks,
  ConsumerOptions,
  IncomingRecord,
  KafkaConsumer,
} from '../../core/kafka-port.ts';

export function wrapConsumer(
  consumer: Consumer,
  options: ConsumerOptions,
  where: string,
  log: Logger,
): KafkaConsumer {
  let closing: Promise<void> | undefined;
  // kafkajs rejoins the group by itself when a batch handler fails with its own rebalance error (from a
  // heartbeat): the translated error a handler rethrows is handed back to it as kafkajs threw it.
  const thrownByKafkajs = new WeakMap<object, unknown>();
  const heartbeat = async (beat: () => Promise<void>) => {
    try {
      await beat();
    } catch (error: unknown) {
      const translated = translate(error, where, 'heartbeat');
      thrownByKafkajs.set(translated, error);
      throw translated;
    }
  };
  return {
    async run(onBatch: BatchHandler, hooks: ConsumerHooks = {}) {
      const { onPosition, onAssignment, onFatal } = hooks;
      await guard(where, 'subscribe', () =>
        consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? false }),
      );
      if (onPosition) {
        consumer.on(consumer.events.END_BATCH_PROCESS, (event) => {
          onPosition({
            topic: event.payload.topic,
            partition: event.payload.partition,
            nextOffset: nextOffset(event.payload.lastOffset),
            highWatermark: event.payload.highWatermark,
          });
        });
      }
      if (onAssignment) {
        consumer.on(consumer.events.GROUP_JOIN, (event) => {
          onAssignment(
            Object.entries(event.payload.memberAssignment).map(([topic, partitions]) => ({
              topic,
              partitions: [...partitions].sort((a, b) => a - b),
            })),
          );
        });
      }
      consumer.on(consumer.events.CRASH, (event) => {
        const restart = event.payload.restart;
        log[restart ? 'warn' : 'error']({ err: event.payload.error, restart }, 'consumer crashed');
        if (!restart) onFatal?.(translate(event.payload.error, where, 'consume'));
      });
      const running = guard(where, 'start consuming', () =>
        consumer.run({
          autoCommit: options.autoCommit ?? false,
          eachBatchAutoResolve: true,
          partitionsConsumedConcurrently: options.batchesAtOnce ?? 1,
          eachBatch: async (payload) => {
            const { batch } = payload;
            const records = batch.messages.map((m): IncomingRecord => ({
              topic: batch.topic,
              partition: batch.partition,
              offset: m.offset,
              timestamp: Number(m.timestamp),
              key: m.key,
              value: m.value,
              headers: fromHeaders(m.headers),
            }));
            try {
              await onBatch(records, {
                topic: batch.topic,
                partition: batch.partition,
                reachedEnd: batch.offsetLag() === '0',
                heartbeat: () => heartbeat(() => payload.heartbeat()),
                isActive: () => payload.isRunning() && !payload.isStale(),
              });
            } catch (error: unknown) {
              throw (typeof error === 'object' && error !== null && thrownByKafkajs.get(error)) || error;
            }
          },
        }),
      );
      // kafkajs creates the group's state as run() begins, before it joins: seeks made now apply to the
      // first fetch of each partition.
      for (const p of options.startAt ?? []) consumer.seek(p);
      await running;
    },
    seek(topic, partition, offset) {
      // Without auto-commit kafkajs only moves its fetch position (nothing is committed).
      consumer.seek({ topic, partition, offset });
    },
    close() {
      closing ??= guard(where, 'disconnect the consumer', () => consumer.disconnect());
      return closing;
    },
  };
}

function fromHeaders(headers: IHeaders | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const first = Array.isArray(raw) ? raw[0] : raw;
    if (first === undefined) continue;
    out[name] = typeof first === 'string' ? Buffer.from(first, 'utf8') : first;
  }
  return out;
}
