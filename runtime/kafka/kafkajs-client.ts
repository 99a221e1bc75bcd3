/**
 * The kafkajs adapter of the Kafka port (types.ts). Nothing outside this file imports kafkajs.
 */
import kafkajs from 'kafkajs';
import type { Admin, Consumer, IHeaders, LogEntry, Message, Producer } from 'kafkajs';
import { TradewatchError, toError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type {
  BatchHandler,
  AtomicSendOptions,
  ConsumerHooks,
  ConsumerOptions,
  GroupOffsetReset,
  IncomingRecord,
  KafkaAdmin,
  KafkaClient,
  KafkaConsumer,
  KafkaProducer,
  OffsetResetTarget,
  OutgoingRecord,
  PartitionOffsets,
  ProducerOptions,
  RecordPosition,
  TopicState,
} from './types.ts';

// kafkajs is CommonJS and Node's named-export detection misses some of its exports: take them from the default.
const { ConfigResourceTypes, Kafka, Partitioners, logLevel } = kafkajs;

/** Records per produce request inside a transaction. */
const TRANSACTION_CHUNK = 1000;

/**
 * Bytes per produce request inside a transaction. kafkajs puts a request's records for one partition in
 * one record batch, and the broker refuses a batch over `max.message.bytes` (1 MiB by default): keep
 * well under it. A single record larger than this still goes alone (its topic must allow it).
 */
const TRANSACTION_CHUNK_BYTES = 512 * 1024;

/** Splits records into consecutive chunks of at most TRANSACTION_CHUNK records and about TRANSACTION_CHUNK_BYTES. */
function chunks(records: readonly OutgoingRecord[]): OutgoingRecord[][] {
  const out: OutgoingRecord[][] = [];
  let current: OutgoingRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = recordSize(record);
    if (
      current.length > 0 &&
      (current.length >= TRANSACTION_CHUNK || bytes + size > TRANSACTION_CHUNK_BYTES)
    ) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function recordSize(record: OutgoingRecord): number {
  let size = 64 + (record.value?.length ?? 0) + (record.key === null ? 0 : Buffer.byteLength(record.key));
  for (const [name, value] of Object.entries(record.headers ?? {}))
    size += name.length + Buffer.byteLength(value);
  return size;
}

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
    logLevel: logLevel.INFO,
    logCreator: () => (entry: LogEntry) => forwardLog(log, entry),
  });
  const where = brokers.join(',');

  return {
    async admin() {
      const admin = kafka.admin();
      await guard(where, 'connect the admin client', () => admin.connect());
      return wrapAdmin(admin, where);
    },
    async producer(producerOptions: ProducerOptions = {}) {
      const transactional = producerOptions.transactionalId !== undefined;
      const producer = kafka.producer({
        // The Java client's murmur2 partitioning, so keys land where Java and Python producers put them.
        createPartitioner: Partitioners.DefaultPartitioner,
        idempotent: true,
        allowAutoTopicCreation: false,
        ...(transactional
          ? {
              transactionalId: producerOptions.transactionalId,
              maxInFlightRequests: 1,
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

function wrapAdmin(admin: Admin, where: string): KafkaAdmin {
  let closing: Promise<void> | undefined;
  const offsets = async (topic: string): Promise<PartitionOffsets[]> => {
    // Right after a topic is created its partitions may still be electing leaders; kafkajs gives up on
    // NOT_LEADER at once here, so retry, refreshing the metadata, for a little while.
    const result = await guard(where, `fetch the offsets of ${topic}`, () =>
      retryTransient(
        () => admin.fetchTopicOffsets(topic),
        () => admin.fetchTopicMetadata({ topics: [topic] }),
      ),
    );
    return result
      .map((p) => ({ partition: p.partition, low: p.low, high: p.high }))
      .sort((a, b) => a.partition - b.partition);
  };

  return {
    async describeCluster() {
      const cluster = await guard(where, 'describe the cluster', () => admin.describeCluster());
      return { brokers: cluster.brokers.length, controller: cluster.controller };
    },
    listTopics: () => guard(where, 'list topics', () => admin.listTopics()),
    async describeTopics(names, configKeys) {
      const existing = new Set(await guard(where, 'list topics', () => admin.listTopics()));
      const present = names.filter((n) => existing.has(n));
      if (present.length === 0) return [];
      const metadata = await guard(where, 'describe topics', () =>
        admin.fetchTopicMetadata({ topics: present }),
      );
      const configs = await guard(where, 'describe topic configs', () =>
        admin.describeConfigs({
          includeSynonyms: false,
          resources: present.map((name) => ({
            type: ConfigResourceTypes.TOPIC,
            name,
            configNames: [...configKeys],
          })),
        }),
      );
      return metadata.topics.map((t) => {
        const resource = configs.resources.find((r) => r.resourceName === t.name);
        const entries: Record<string, string> = {};
        for (const e of resource?.configEntries ?? []) entries[e.configName] = e.configValue;
        return {
          name: t.name,
          partitions: t.partitions.length,
          replicationFactor: t.partitions[0]?.replicas.length ?? 0,
          configs: entries,
        };
      });
    },
    async createTopics(topics: readonly TopicState[]) {
      await guard(where, 'create topics', () =>
        admin.createTopics({
          // kafkajs's own wait gives up on UNKNOWN_TOPIC_OR_PARTITION while the new topics' metadata
          // spreads (seen on a loaded machine); wait here instead, as long as it takes within a deadline.
          waitForLeaders: false,
          topics: topics.map((t) => ({
            topic: t.name,
            numPartitions: t.partitions,
            replicationFactor: t.replicationFactor,
            configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
          })),
        }),
      );
      const names = topics.map((t) => t.name);
      await guard(where, `wait for the leaders of ${names.join(', ')}`, () =>
        retryTransient(
          async () => {
            const { topics: found } = await admin.fetchTopicMetadata({ topics: names });
            const leaderless = found.filter((t) => t.partitions.some((p) => p.leader < 0));
            if (found.length < names.length || leaderless.length > 0) {
              throw Object.assign(new Error('the new topics have no leaders yet'), {
                type: 'LEADER_NOT_AVAILABLE',
              });
            }
          },
          () => Promise.resolve(),
          { attempts: 120, delayMs: 250 },
        ),
      );
    },
    async alterTopicConfigs(name, configs) {
      await guard(where, `alter the configuration of topic ${name}`, () =>
        admin.alterConfigs({
          validateOnly: false,
          resources: [
            {
              type: ConfigResourceTypes.TOPIC,
              name,
              configEntries: Object.entries(configs).map(([n, value]) => ({ name: n, value })),
            },
          ],
        }),
      );
    },
    async deleteTopics(names) {
      await guard(where, 'delete topics', () => admin.deleteTopics({ topics: [...names] }));
    },
    offsets,
    async waitUntilVisible(positions, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      const topics = [...new Set(positions.map((p) => p.topic))];
      for (;;) {
        const highs = new Map<string, bigint>();
        for (const topic of topics) {
          for (const p of await offsets(topic)) highs.set(`${topic}/${p.partition}`, BigInt(p.high));
        }
        const pending = positions.filter(
          (p) => (highs.get(`${p.topic}/${p.partition}`) ?? 0n) <= BigInt(p.offset),
        );
        if (pending.length === 0) return;
        if (Date.now() > deadline) {
          throw new TradewatchError(
            'TW_TIMEOUT',
            `records produced to ${pending.map((p) => `${p.topic}[${p.partition}]@${p.offset}`).join(', ')} ` +
              `were not visible to readers after ${timeoutMs} ms; check the broker's log`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async groupOffsets(groupId, topics) {
      const result = await guard(where, `fetch the offsets of group ${groupId}`, () =>
        admin.fetchOffsets({ groupId, ...(topics ? { topics: [...topics] } : {}) }),
      );
      return result.flatMap((t) =>
        t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: p.offset })),
      );
    },
    resetGroupOffsets: (groupId, topic, to, options = {}) =>
      resetGroupOffsets(admin, where, offsets, { groupId, topic, to, dryRun: options.dryRun === true }),
    async deleteGroups(groupIds) {
      await guard(where, 'delete consumer groups', () => admin.deleteGroups([...groupIds]));
    },
    close() {
      closing ??= admin.disconnect();
      return closing;
    },
  };
}

/**
 * Group states in which Kafka lets a group's offsets be changed: no members (`Empty`), or no group at
 * all (`Dead`: it never existed, or it expired).
 */
const IDLE_GROUP_STATES = new Set(['Empty', 'Dead']);

/** How long kafkajs's `setOffsets` may take before a reset gives up with TW_TIMEOUT. */
const SET_OFFSETS_TIMEOUT_MS = 60_000;

/** How many times a reset sets offsets the group does not hold yet before it gives up. */
const SET_OFFSETS_ATTEMPTS = 3;

/**
 * KafkaAdmin.resetGroupOffsets. The targets come from ListOffsets at read_committed (`fetchTopicOffsets`:
 * kafkajs's admin asks at that isolation level, so `high` is the LSO) and are written with `setOffsets`,
 * as explicit offsets. Not kafkajs's `resetOffsets`: that commits the sentinels -1 (latest) and -2
 * (earliest) as the offsets themselves, and a kafkajs consumer treats a negative committed offset as
 * none and falls back to its `fromBeginning`, which our processors set: a reset "to the end" would
 * start them at the beginning.
 */
async function resetGroupOffsets(
  admin: Admin,
  where: string,
  topicOffsets: (topic: string) => Promise<PartitionOffsets[]>,
  request: { groupId: string; topic: string; to: OffsetResetTarget; dryRun: boolean },
): Promise<GroupOffsetReset[]> {
  const { groupId, topic, to, dryRun } = request;
  const topics = await guard(where, 'list topics', () => admin.listTopics());
  if (!topics.includes(topic)) {
    throw new TradewatchError(
      'TW_TOPIC_UNKNOWN',
      `topic ${topic} does not exist on the cluster at ${where}, so group ${groupId} has no offsets there ` +
        'to set. Check the topic name and TOPIC_PREFIX; `tradewatch topics apply` creates the catalogue topics.',
      { details: { topic, groupId, brokers: where } },
    );
  }
  await refuseActiveGroup(admin, where, groupId);

  const committed = async () => {
    const [fetched] = await guard(where, `fetch the offsets of group ${groupId} on ${topic}`, () =>
      admin.fetchOffsets({ groupId, topics: [topic] }),
    );
    // kafkajs reports a partition without a committed offset as -1.
    return new Map((fetched?.partitions ?? []).map((p) => [p.partition, p.offset]));
  };
  const before = await committed();
  const targets = (await topicOffsets(topic)).map((p) => ({
    partition: p.partition,
    offset: to === 'end' ? p.high : p.low,
  }));
  const result = targets.map((t): GroupOffsetReset => {
    const was = before.get(t.partition);
    return {
      partition: t.partition,
      before: was === undefined || BigInt(was) < 0n ? null : was,
      after: t.offset,
    };
  });
  if (dryRun) return result;

  // kafkajs commits only the partitions its throw-away member was assigned and seeked before it stopped
  // (it stops after the first broker's fetch), and says nothing of the others (a partition led by
  // another broker, or another member joined meanwhile): read back what the group holds, and set what
  // is missing again, a few times.
  let pending = targets;
  for (let attempt = 1; ; attempt += 1) {
    await setOffsets(admin, where, groupId, topic, pending);
    const now = await committed();
    pending = targets.filter((t) => now.get(t.partition) !== t.offset);
    if (pending.length === 0) return result;
    if (attempt >= SET_OFFSETS_ATTEMPTS) {
      throw new TradewatchError(
        'TW_KAFKA_FAILED',
        `Kafka at ${where} did not take every offset set for group ${groupId} on ${topic} after ` +
          `${attempt} attempts: ` +
          pending
            .map((t) => `partition ${t.partition} holds ${now.get(t.partition) ?? 'none'}, not ${t.offset}`)
            .join('; ') +
          '. Did an instance of the group start meanwhile? Stop it, then run the reset again.',
        { details: { groupId, topic, brokers: where } },
      );
    }
  }
}

/**
 * kafkajs's `setOffsets`: it joins the group with a throw-away member, commits the offsets and leaves once
 * that member has fetched (about 5 s: the fetch of its paused partitions waits out kafkajs's default
 * maxWaitTime). It checks first, as we did, that the group is idle (in case an instance started since).
 * Its promise hangs if that member never fetches: bounded by SET_OFFSETS_TIMEOUT_MS.
 */
async function setOffsets(
  admin: Admin,
  where: string,
  groupId: string,
  topic: string,
  partitions: { partition: number; offset: string }[],
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new TradewatchError(
            'TW_TIMEOUT',
            `setting the offsets of group ${groupId} on ${topic} did not finish within ` +
              `${SET_OFFSETS_TIMEOUT_MS} ms (Kafka at ${where}); some may be set: look with a dry run, ` +
              'and run the reset again',
            { details: { groupId, topic, brokers: where } },
          ),
        ),
      SET_OFFSETS_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([admin.setOffsets({ groupId, topic, partitions }), deadline]);
  } catch (error: unknown) {
    if (/must have no running instances/.test(toError(error).message)) {
      await refuseActiveGroup(admin, where, groupId);
    }
    throw translate(error, where, `set the offsets of group ${groupId} on ${topic}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Throws TW_KAFKA_FAILED, naming the members, unless the group has no running member. */
async function refuseActiveGroup(admin: Admin, where: string, groupId: string): Promise<void> {
  const { groups } = await guard(where, `describe group ${groupId}`, () => admin.describeGroups([groupId]));
  const group = groups[0];
  if (!group || IDLE_GROUP_STATES.has(group.state)) return;
  const members = group.members.map((m) => `${m.clientId}@${m.clientHost.replace(/^\//, '')}`);
  throw new TradewatchError(
    'TW_KAFKA_FAILED',
    `consumer group ${groupId} has running instances (state ${group.state}, ` +
      `${members.length} member(s): ${members.join(', ') || 'joining'}), and Kafka lets a group's offsets ` +
      'change only while it has none. Stop `tradewatch run` for that processor on every machine first, ' +
      'then run this again (an instance that crashed stays a member until its session times out, ' +
      'TW_KAFKA_SESSION_TIMEOUT_MS).',
    { details: { groupId, state: group.state, members, brokers: where } },
  );
}

function wrapProducer(producer: Producer, where: string): KafkaProducer {
  let closing: Promise<void> | undefined;
  return {
    async send(records) {
      if (records.length === 0) return [];
      const written = await guard(where, 'produce', () =>
        producer.sendBatch({ acks: -1, topicMessages: toTopicMessages(records) }),
      );
      const last = new Map<string, RecordPosition>();
      for (const w of written) {
        const offset = w.baseOffset ?? w.offset ?? '0';
        last.set(`${w.topicName}/${w.partition}`, { topic: w.topicName, partition: w.partition, offset });
      }
      return [...last.values()];
    },
    async sendAtomically(records, options = {}) {
      // Right after a commit the coordinator may still be writing its markers and answers the next
      // transaction with CONCURRENT_TRANSACTIONS (the Java client retries it): the aborted attempt made
      // nothing visible, so try the whole transaction again, a few times, after a short pause.
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await sendInTransaction(records, options);
        } catch (error: unknown) {
          if (attempt >= 10 || !isConcurrentTransactions(error)) throw error;
          await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
        }
      }
    },
    close() {
      closing ??= producer.disconnect();
      return closing;
    },
  };

  async function sendInTransaction(
    records: readonly OutgoingRecord[],
    options: AtomicSendOptions,
  ): Promise<RecordPosition[]> {
    const { consumerOffsets } = options;
    if (records.length === 0 && !consumerOffsets) return [];
    const transaction = await guard(where, 'begin a transaction', () => producer.transaction());
    try {
      // Chunks keep each request, and so each partition's record batch, under the broker's size limit.
      const last = new Map<string, RecordPosition>();
      for (const chunk of chunks(records)) {
        const written = await transaction.sendBatch({ acks: -1, topicMessages: toTopicMessages(chunk) });
        for (const w of written) {
          const offset = w.baseOffset ?? w.offset ?? '0';
          last.set(`${w.topicName}/${w.partition}`, { topic: w.topicName, partition: w.partition, offset });
        }
      }
      if (consumerOffsets && consumerOffsets.offsets.length > 0) {
        const byTopic = new Map<string, { partition: number; offset: string }[]>();
        for (const o of consumerOffsets.offsets) {
          byTopic.set(o.topic, [
            ...(byTopic.get(o.topic) ?? []),
            { partition: o.partition, offset: o.offset },
          ]);
        }
        await transaction.sendOffsets({
          consumerGroupId: consumerOffsets.groupId,
          topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
        });
      }
      await transaction.commit();
      return [...last.values()];
    } catch (error: unknown) {
      // Abort so that nothing of the batch becomes visible; keep the first error.
      await transaction.abort().catch(() => undefined);
      throw translate(error, where, 'produce in a transaction');
    }
  }
}

/** Whether a Kafka error (or one of its causes) is CONCURRENT_TRANSACTIONS. */
function isConcurrentTransactions(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth += 1) {
    if ((e as { type?: unknown }).type === 'CONCURRENT_TRANSACTIONS') return true;
    if (/CONCURRENT_TRANSACTIONS|concurrent transactions/i.test(String((e as Error).message))) return true;
    e = (e as { cause?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
  }
  return false;
}

function wrapConsumer(
  consumer: Consumer,
  options: ConsumerOptions,
  where: string,
  log: Logger,
): KafkaConsumer {
  let closing: Promise<void> | undefined;
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
            nextOffset: (BigInt(event.payload.lastOffset) + 1n).toString(),
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
        if (!restart) onFatal?.(toError(event.payload.error));
      });
      await guard(where, 'start consuming', () =>
        consumer.run({
          autoCommit: options.autoCommit ?? false,
          eachBatchAutoResolve: true,
          eachBatch: async (payload) => {
            const { batch } = payload;
            await onBatch(
              batch.messages.map((m): IncomingRecord => ({
                topic: batch.topic,
                partition: batch.partition,
                offset: m.offset,
                timestamp: Number(m.timestamp),
                key: m.key,
                value: m.value,
                headers: fromHeaders(m.headers),
              })),
              {
                topic: batch.topic,
                partition: batch.partition,
                heartbeat: () => payload.heartbeat(),
                isActive: () => payload.isRunning() && !payload.isStale(),
              },
            );
          },
        }),
      );
    },
    close() {
      closing ??= consumer.disconnect();
      return closing;
    },
  };
}

function toTopicMessages(records: readonly OutgoingRecord[]): { topic: string; messages: Message[] }[] {
  const byTopic = new Map<string, Message[]>();
  for (const r of records) {
    const messages = byTopic.get(r.topic) ?? [];
    messages.push({
      key: r.key,
      value: r.value,
      ...(r.headers ? { headers: { ...r.headers } } : {}),
      ...(r.partition !== undefined ? { partition: r.partition } : {}),
      ...(r.timestamp !== undefined ? { timestamp: String(r.timestamp) } : {}),
    });
    byTopic.set(r.topic, messages);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
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

/** kafkajs errors after which the same call may succeed once the cluster has settled. */
const TRANSIENT = new Set(['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE', 'UNKNOWN_TOPIC_OR_PARTITION']);

async function retryTransient<T>(
  call: () => Promise<T>,
  beforeRetry: () => Promise<unknown>,
  { attempts = 20, delayMs = 250 } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error: unknown) {
      const type = (error as { type?: unknown }).type;
      if (attempt >= attempts || typeof type !== 'string' || !TRANSIENT.has(type)) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      await beforeRetry().catch(() => undefined);
    }
  }
}

/** Runs a kafkajs call and turns its failures into catalogued errors naming the brokers and the operation. */
async function guard<T>(where: string, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error: unknown) {
    throw translate(error, where, what);
  }
}

function translate(thrown: unknown, where: string, what: string): Error {
  if (thrown instanceof TradewatchError) return thrown;
  const error = toError(thrown);
  const chain = causeChain(error);
  const unreachable = chain.some(
    (e) =>
      e.name === 'KafkaJSConnectionError' ||
      e.name === 'KafkaJSBrokerNotFound' ||
      /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|Connection timeout/.test(e.message),
  );
  if (unreachable) {
    return new TradewatchError(
      'TW_KAFKA_UNAVAILABLE',
      `Kafka at ${where} did not answer while trying to ${what}: ${error.message}. ` +
        'Start the local stack with `tradewatch stack up`, or point KAFKA_BROKERS at a running cluster.',
      { cause: error, details: { brokers: where } },
    );
  }
  return new TradewatchError('TW_KAFKA_FAILED', `Kafka at ${where} refused to ${what}: ${error.message}`, {
    cause: error,
    details: { brokers: where, kafkaError: error.name },
  });
}

function causeChain(error: Error): Error[] {
  const chain: Error[] = [];
  let current: unknown = error;
  while (current instanceof Error && chain.length < 10) {
    chain.push(current);
    const next: unknown = current.cause ?? (current as { originalError?: unknown }).originalError;
    current = next;
  }
  return chain;
}

const LEVEL_NAMES: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

function forwardLog(log: Logger, entry: LogEntry): void {
  const { message, ...rest } = entry.log;
  const named = LEVEL_NAMES[entry.level] ?? 'debug';
  // kafkajs is chatty at info (joins, rebalances), and logs every failed attempt of a request or a
  // connection it then retries (Connection, BrokerPool) at error level; what finally fails reaches the
  // caller as a thrown error, so the attempts are debug.
  const quiet =
    named === 'info' ||
    ((entry.namespace === 'Connection' || entry.namespace === 'BrokerPool') && named === 'error') ||
    // An attempt kafkajs will retry (e.g. CONCURRENT_TRANSACTIONS right after a commit).
    ('retryCount' in rest && named === 'error') ||
    // Our idempotent producers retry a bounded number of times so that an outage surfaces as an error
    // instead of a hang; transactions abort on failure, so nothing half-written becomes visible.
    message.startsWith('Limiting retries for the idempotent producer');
  const level = quiet ? 'debug' : named;
  log[level]({ kafkajs: entry.namespace, ...rest }, message);
}
