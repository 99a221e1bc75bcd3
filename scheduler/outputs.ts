/**
 * Where the scheduler's work goes: QuestDB (reads and rows), Kafka records of catalogue topics
 * (metric points, run events, backtest tasks), and what templates that run other components need
 * (the shared producer, the registry, PostgreSQL and the environment for `connector-run`). Producers are created on first use; `close()` releases
 * them and the QuestDB sink in reverse order, running every step and keeping the first error.
 */
import type {
  KafkaAdmin,
  KafkaClient,
  KafkaProducer,
  OutgoingRecord,
  RecordPosition,
} from '../runtime/kafka/index.ts';
import { TradewatchError, toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { SinkRow } from '../processors/contract.ts';
import type { Metric, SchemaRegistry } from '../schemas/index.ts';
import type { QueryResult, QuestDbSink } from '../sinks/questdb/index.ts';
import { findTopic, physicalName, type TopicName } from '../topics/index.ts';

export interface SchedulerOutputsOptions {
  readonly kafka: KafkaClient;
  readonly registry: SchemaRegistry;
  /** QuestDB; without it, `query` and `writeRows` throw (a command that only produces records). */
  readonly questdb?: QuestDbSink;
  /** TOPIC_PREFIX. */
  readonly topicPrefix: string;
  /** Transactional id of the producer of all-or-nothing sends (unique per scheduler instance). */
  readonly transactionalId: string;
  readonly logger: Logger;
  /**
   * PostgreSQL (DATABASE_URL) and the schema of this environment's tables, for templates that keep
   * state there (`connector-run`: the connector store). Without it, `postgres()` throws.
   */
  readonly postgres?: { readonly url: string; readonly schema: string };
  /** The environment variables templates may read credentials from (named in their files). Default none. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

export class SchedulerOutputs {
  readonly #options: SchedulerOutputsOptions;
  #producer: Promise<KafkaProducer> | undefined;
  #transactional: Promise<KafkaProducer> | undefined;
  #admin: Promise<KafkaAdmin> | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: SchedulerOutputsOptions) {
    this.#options = options;
  }

  /**
   * The QuestDB table of the catalogue table `name` in this environment's namespace (`demo__drawdown`
   * under TOPIC_PREFIX=demo.): every query a template runs names its tables through this.
   */
  table(name: string): string {
    return this.#options.questdb?.namespace.table(name) ?? name;
  }

  /** TOPIC_PREFIX of the records. */
  get topicPrefix(): string {
    return this.#options.topicPrefix;
  }

  get registry(): SchemaRegistry {
    return this.#options.registry;
  }

  /** The environment variables given (credentials are read from them by name, never logged). */
  get environment(): Readonly<Record<string, string | undefined>> {
    return this.#options.environment ?? {};
  }

  /** PostgreSQL's URL and this environment's schema. */
  postgres(): { readonly url: string; readonly schema: string } {
    if (this.#options.postgres === undefined) {
      throw new TradewatchError('TW_INTERNAL', 'these scheduler outputs have no PostgreSQL');
    }
    return this.#options.postgres;
  }

  /** The shared idempotent producer (acks=all), started on first use and closed by {@link close}. */
  producer(): Promise<KafkaProducer> {
    this.#producer ??= this.#options.kafka.producer();
    return this.#producer;
  }

  /** Runs one SQL statement on QuestDB (REST /exec). */
  query(sql: string): Promise<QueryResult> {
    return this.#questdb().query(sql);
  }

  /** Writes rows (tables of sinks/questdb/tables.ts) and waits until QuestDB acknowledged them. */
  async writeRows(rows: readonly SinkRow[]): Promise<void> {
    if (rows.length === 0) return;
    const questdb = this.#questdb();
    questdb.write(rows);
    await questdb.flush();
  }

  /** Produces metric points to `metrics` (key: the series), acknowledged by every replica. */
  metrics(points: readonly Metric[]): Promise<void> {
    return this.records('metrics', points as unknown as Record<string, unknown>[]);
  }

  /** Encodes values with the topic's schema and produces them (acks=all, idempotent producer). */
  async records(topic: TopicName, values: readonly Record<string, unknown>[]): Promise<void> {
    if (values.length === 0) return;
    const records = this.#encode(topic, values);
    await (await this.producer()).send(records);
  }

  /**
   * Like {@link records}, in one Kafka transaction: read-committed consumers see all or none. Returns
   * once they can see them (the commit markers are written after the commit returns), so that a
   * reader started right after, e.g. `consume backtest.tasks`, finds every record.
   */
  async recordsAtomically(
    topic: TopicName,
    values: readonly Record<string, unknown>[],
  ): Promise<RecordPosition[]> {
    if (values.length === 0) return [];
    const records = this.#encode(topic, values);
    this.#transactional ??= this.#options.kafka.producer({ transactionalId: this.#options.transactionalId });
    const positions = await (await this.#transactional).sendAtomically(records);
    this.#admin ??= this.#options.kafka.admin();
    await (await this.#admin).waitUntilVisible(positions);
    return positions;
  }

  /** Closes the producers it opened. Idempotent. The QuestDB sink belongs to the caller. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  #questdb(): QuestDbSink {
    if (this.#options.questdb === undefined) {
      throw new TradewatchError('TW_INTERNAL', 'these scheduler outputs have no QuestDB sink');
    }
    return this.#options.questdb;
  }

  #encode(topicName: TopicName, values: readonly Record<string, unknown>[]): OutgoingRecord[] {
    const topic = findTopic(topicName);
    if (topic.value.kind !== 'avro') throw new TypeError(`${topicName} is not a topic of one record type`);
    const codec = this.#options.registry.codec(topic.value.type);
    const name = physicalName(topic.name, this.#options.topicPrefix);
    return values.map((value) => ({
      topic: name,
      key: topic.key.of(value),
      value: codec.encode(value as never),
    }));
  }

  async #shutdown(): Promise<void> {
    let first: Error | undefined;
    for (const client of [this.#transactional, this.#producer, this.#admin]) {
      if (client === undefined) continue;
      try {
        await (await client).close();
      } catch (e: unknown) {
        first ??= toError(e);
        this.#options.logger.warn({ err: e }, 'a scheduler producer failed to close');
      }
    }
    if (first) throw first;
  }
}
