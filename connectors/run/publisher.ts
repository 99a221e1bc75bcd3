/**
 * Puts a connector's records on Kafka through the port (core/kafka-port.ts): Signals on `signals`
 * (keyed by asset, stamped with the time their values became known), Metrics on `metrics` (data
 * quality, volume, freshness) and one IngestRun per run on `ingest.runs`. Keys come from the topic
 * catalogue, so every record lands where the rest of tradewatch expects it.
 */
import type { KafkaProducer, OutgoingRecord } from '../../core/kafka-port.ts';
import type { IngestRun, Metric, RecordTypeName, SchemaRegistry, Signal } from '../../schemas/index.ts';
import { findTopic, physicalName } from '../../topics/index.ts';

/** Records sent per producer call. */
const BATCH = 500;

export class Publisher {
  readonly #producer: KafkaProducer;
  readonly #registry: SchemaRegistry;
  readonly #prefix: string;

  constructor(producer: KafkaProducer, registry: SchemaRegistry, topicPrefix: string) {
    this.#producer = producer;
    this.#registry = registry;
    this.#prefix = topicPrefix;
  }

  /** Sends `signals`, each with record timestamp `knownAt` (when it became known). */
  async signals(signals: readonly Signal[], knownAt: number): Promise<void> {
    await this.#send('signals', 'Signal', signals, () => knownAt);
  }

  async metrics(metrics: readonly Metric[]): Promise<void> {
    await this.#send('metrics', 'Metric', metrics, (m) => m.ts);
  }

  async ingestRun(run: IngestRun): Promise<void> {
    await this.#send('ingest.runs', 'IngestRun', [run], (r) => r.finished_at);
  }

  async #send<T extends Signal | Metric | IngestRun>(
    topic: string,
    type: RecordTypeName,
    values: readonly T[],
    timestamp: (value: T) => number,
  ): Promise<void> {
    const definition = findTopic(topic);
    const codec = this.#registry.codec(type);
    const name = physicalName(topic, this.#prefix);
    for (let i = 0; i < values.length; i += BATCH) {
      const records: OutgoingRecord[] = values.slice(i, i + BATCH).map((value) => ({
        topic: name,
        key: definition.key.of(value as unknown as Record<string, unknown>),
        value: codec.encode(value as never),
        timestamp: timestamp(value),
      }));
      await this.#producer.send(records);
    }
  }
}
