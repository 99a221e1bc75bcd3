/**
 * The topic catalogue: every topic tradewatch reads or writes, with its partitions, retention, cleanup
 * policy, key and value contract. `tradewatch topics apply` makes a cluster match it. Names here are
 * logical; {@link physicalName} applies TOPIC_PREFIX.
 */
import type { RecordTypeName } from '../schemas/index.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** How a record's key is derived from its decoded value (the CLI and the runtime use the same rule). */
export interface KeySpec {
  /** What the key is, for people. */
  readonly doc: string;
  /** Builds the key from a decoded value. */
  readonly of: (value: Readonly<Record<string, unknown>>) => string;
}

/** A topic whose values are Avro records of one type, single-object encoded. */
export interface AvroValue {
  readonly kind: 'avro';
  readonly type: RecordTypeName;
}

/** An internal topic of several record types (a repartition topic), each record decoded by fingerprint. */
export interface MixedAvroValue {
  readonly kind: 'avro-mixed';
  readonly types: readonly RecordTypeName[];
}

/** A topic whose values are raw bytes with meaning in headers (the dead-letter topic). */
export interface RawValue {
  readonly kind: 'dead-letter';
}

export interface TopicDefinition {
  /** Logical name (without TOPIC_PREFIX). */
  readonly name: string;
  readonly doc: string;
  readonly partitions: number;
  /** `retention.ms`; -1 keeps records forever. */
  readonly retentionMs: number;
  readonly cleanupPolicy: 'delete' | 'compact' | 'compact,delete';
  readonly key: KeySpec;
  readonly value: AvroValue | MixedAvroValue | RawValue;
  /** Written by processors only (a repartition topic): `produce` refuses it. Default false. */
  readonly internal?: boolean;
  /**
   * `max.message.bytes`, for a topic that must take larger records than the broker's default (about
   * 1 MiB): the dead-letter and `late` topics take any record an input takes, plus their headers.
   * Default: the broker's.
   */
  readonly maxMessageBytes?: number;
}

/** The topic configuration keys tradewatch manages (see {@link topicConfigs}). */
export const MANAGED_TOPIC_CONFIGS = ['cleanup.policy', 'retention.ms', 'max.message.bytes'] as const;

/**
 * What the dead-letter and `late` topics take: 4 MiB, four times the broker's default record size, so
 * that a record as large as an input topic takes fits with the headers that say where it came from.
 */
const SIDE_OUTPUT_MAX_BYTES = 4 * 1024 * 1024;

const field = (name: string, doc: string): KeySpec => ({
  doc,
  of: (value) => {
    const v = value[name];
    if (typeof v !== 'string') throw new TypeError(`key field "${name}" is not a string`);
    return v;
  },
});

/** `name{k1=v1,k2=v2}` with labels sorted by name: one key per series, so a series stays on one partition. */
export function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  // On every metric point's path: no intermediate arrays beyond the keys.
  const keys = Object.keys(labels);
  if (keys.length > 1) keys.sort();
  let key = `${name}{`;
  for (let i = 0; i < keys.length; i += 1) {
    const k = keys[i]!;
    key += i === 0 ? `${k}=${labels[k]}` : `,${k}=${labels[k]}`;
  }
  return `${key}}`;
}

/** A topic of records copied unchanged with their meaning in headers (`dlq`, `late`): 30 days, 4 MiB. */
function sideOutput<const N extends string>(name: N, doc: string, keyDoc = 'the original key, unchanged') {
  return {
    name,
    doc,
    partitions: 3,
    retentionMs: 30 * DAY_MS,
    cleanupPolicy: 'delete' as const,
    key: { doc: keyDoc, of: () => '' },
    value: { kind: 'dead-letter' as const },
    maxMessageBytes: SIDE_OUTPUT_MAX_BYTES,
  };
}

/** Every topic. Order is the order of `topics list`. */
export const TOPICS = [
  {
    name: 'portfolio.marks',
    doc: 'Equity marks of each portfolio, from the portfolio service.',
    partitions: 6,
    retentionMs: 14 * DAY_MS,
    cleanupPolicy: 'delete',
    key: field('portfolio', 'the portfolio'),
    value: { kind: 'avro', type: 'PortfolioMark' },
  },
  {
    name: 'trades',
    doc: 'Executed fills from the trade executor.',
    partitions: 6,
    retentionMs: 90 * DAY_MS,
    cleanupPolicy: 'delete',
    key: field('portfolio', 'the portfolio the fill belongs to'),
    value: { kind: 'avro', type: 'Trade' },
  },
  {
    name: 'inference.cycles',
    doc: 'One record per inference cycle: status, timings, metrics snapshot and the ranked top-K.',
    partitions: 3,
    retentionMs: 90 * DAY_MS,
    cleanupPolicy: 'delete',
    key: field('strategy', 'the strategy'),
    value: { kind: 'avro', type: 'InferenceCycle' },
  },
  {
    name: 'outcomes',
    doc: 'Realized forward returns of every asset of the universe: the ground truth for precision@K.',
    partitions: 3,
    retentionMs: 90 * DAY_MS,
    cleanupPolicy: 'delete',
    key: field('asset', 'the asset'),
    value: { kind: 'avro', type: 'Outcome' },
  },
  {
    name: 'ingest.runs',
    doc: 'One record per data-ingest run: success or failure, rows, duration, data watermark.',
    partitions: 3,
    retentionMs: 90 * DAY_MS,
    cleanupPolicy: 'delete',
    key: field('ingest', 'the ingest'),
    value: { kind: 'avro', type: 'IngestRun' },
  },
  {
    name: 'signals',
    doc: 'External signals (GitHub activity, social sentiment, tokenomics) per asset, from connectors/.',
    partitions: 3,
    retentionMs: 90 * DAY_MS,
    cleanupPolicy: 'delete',
    key: field('asset', 'the asset'),
    value: { kind: 'avro', type: 'Signal' },
  },
  {
    name: 'metrics',
    doc: "Every processor's output points (drawdowns, deviations, freshness, precision@K).",
    partitions: 6,
    retentionMs: 14 * DAY_MS,
    cleanupPolicy: 'delete',
    key: {
      doc: 'name plus sorted labels, e.g. drawdown_1h{env=prod,portfolio=p1}',
      of: (value) => seriesKey(String(value['name']), (value['labels'] ?? {}) as Record<string, string>),
    },
    value: { kind: 'avro', type: 'Metric' },
  },
  {
    name: 'alerts',
    doc: 'Alert state changes (firing, resolved) from the rules engine, for the notifiers.',
    partitions: 3,
    retentionMs: 90 * DAY_MS,
    cleanupPolicy: 'delete',
    key: field('fingerprint', 'the alert fingerprint'),
    value: { kind: 'avro', type: 'Alert' },
  },
  sideOutput(
    'late',
    'Records that arrived after their window or cycle closed (later than the grace period), unchanged, with the reason in headers.',
  ),
  {
    name: 'heartbeats',
    doc: 'A point every few seconds from each running tradewatch instance, so another instance or an outside check sees one stop.',
    partitions: 3,
    retentionMs: 7 * DAY_MS,
    cleanupPolicy: 'delete',
    key: {
      doc: 'the instance id',
      of: (value) => String((value['labels'] as Record<string, string>)['instance']),
    },
    value: { kind: 'avro', type: 'Metric' },
  },
  {
    name: 'ranking.by-as-of',
    doc: 'Internal: inference cycles and outcomes repartitioned by (horizon, as_of) for the precision@K join, plus outcome watermarks broadcast to every partition.',
    partitions: 6,
    retentionMs: 7 * DAY_MS,
    cleanupPolicy: 'delete',
    key: {
      doc: '<horizon_ms>|<as_of>',
      of: (value) => `${String(value['horizon_ms'])}|${String(value['as_of'])}`,
    },
    value: { kind: 'avro-mixed', types: ['InferenceCycle', 'Outcome', 'Metric'] },
    internal: true,
  },
  {
    name: 'ranking.scores',
    doc: 'Internal: per-cycle precision@K scores (Metric points) keyed by strategy and env, for the rolling 7- and 30-day means.',
    partitions: 3,
    retentionMs: 35 * DAY_MS,
    cleanupPolicy: 'delete',
    key: {
      doc: '<strategy>|<env>',
      of: (value) => {
        const l = value['labels'] as Record<string, string>;
        return `${l['strategy']}|${l['env']}`;
      },
    },
    value: { kind: 'avro', type: 'Metric' },
    internal: true,
  },
  // scheduler topics (scheduler/)
  {
    name: 'jobs.runs',
    doc: 'One record per job attempt or skipped occurrence of the scheduler (scheduler/): job, scheduled time, start, finish, outcome, error, duration.',
    partitions: 3,
    retentionMs: 90 * DAY_MS,
    cleanupPolicy: 'delete',
    key: field('job', 'the job id'),
    value: { kind: 'avro', type: 'JobRun' },
  },
  {
    name: 'backtest.tasks',
    doc: 'One record per slice of a backtest request, for a pool of backtest workers sharing the topic in one consumer group (up to one worker per partition).',
    partitions: 12,
    retentionMs: 7 * DAY_MS,
    cleanupPolicy: 'delete',
    key: field(
      'task_id',
      'the task id, <backtest_id>/<slice_index>: the slices of one backtest spread over every partition',
    ),
    value: { kind: 'avro', type: 'BacktestTask' },
  },
  sideOutput(
    'dlq',
    'Dead letters: records that could not be decoded or validated, with their origin and error in headers.',
  ),
  {
    ...sideOutput(
      'dlq.replays',
      'Internal: a copy of every dead letter `tradewatch dlq replay` re-produced to its source topic, with when (tw.replay.* headers), so the same record is not replayed twice by mistake.',
      'the replayed record, <physical topic>:<partition>:<offset>',
    ),
    internal: true,
  },
] as const satisfies readonly TopicDefinition[];

export type TopicName = (typeof TOPICS)[number]['name'];

/** A topic an earlier version created and this one no longer reads or writes. */
export interface RetiredTopic {
  /** Logical name (without TOPIC_PREFIX). */
  readonly name: string;
  /** Since when and why nothing uses it: what `topics apply` tells the operator. */
  readonly why: string;
}

/**
 * Topics tradewatch used to create: `tradewatch topics apply` reports those still on the cluster as
 * obsolete, with the command that deletes them (it never deletes a topic itself). Kept here so that a
 * name is never reused for another contract while old records may remain.
 */
export const RETIRED_TOPICS: readonly RetiredTopic[] = [
  {
    name: 'alerts.retry',
    why: 'the per-notifier delivery runner that parked alerts there was removed; `tradewatch notify` delivers through the dispatcher’s Postgres log',
  },
];

/**
 * The changelog topic of a processor's state store (physical name): compacted, one record per key
 * holding the key's latest state, partitioned like the input it belongs to. A processor of one input
 * has one changelog, `tradewatch.<processor>.changelog`; a processor of several inputs has one per
 * input, `tradewatch.<processor>.<input topic>.changelog`.
 */
export function changelogTopic(processorName: string, prefix: string, input?: string): string {
  return input === undefined
    ? `${prefix}tradewatch.${processorName}.changelog`
    : `${prefix}tradewatch.${processorName}.${input}.changelog`;
}

/** The consumer group of a processor (physical name). */
export function processorGroup(processorName: string, prefix: string): string {
  return `${prefix}tradewatch.${processorName}`;
}

/** The name on the cluster: TOPIC_PREFIX + logical name. */
export function physicalName(name: string, prefix: string): string {
  return `${prefix}${name}`;
}

/** The topic configuration tradewatch manages; drift is reported on exactly these keys. */
export function topicConfigs(topic: TopicDefinition): Record<string, string> {
  return {
    'cleanup.policy': topic.cleanupPolicy,
    'retention.ms': String(topic.retentionMs),
    ...(topic.maxMessageBytes === undefined ? {} : { 'max.message.bytes': String(topic.maxMessageBytes) }),
  };
}
