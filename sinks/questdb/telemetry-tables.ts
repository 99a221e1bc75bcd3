/**
 * The pipeline's own telemetry, so that Grafana charts what `tradewatch status` computes live from
 * Kafka: every record sent to the `dlq` and `late` side outputs (written by the dead-letter recorder,
 * runtime/dlq/dead-letter-recorder.ts; never the record's key or value), and each running processor's
 * progress per input partition (written by its runner, runtime/processor/progress.ts).
 */
import type { ColumnDefinition, TableDefinition } from './tables.ts';

const sym = (name: string, doc?: string): ColumnDefinition => ({ name, type: 'SYMBOL', doc });
const long = (name: string, doc?: string): ColumnDefinition => ({ name, type: 'LONG', doc });

export const TELEMETRY_TABLES: readonly TableDefinition[] = [
  {
    name: 'dead_letters',
    doc: 'A record on the `dlq` or `late` side output (ts = when it failed, `tw.failed.at`, else its Kafka timestamp): where it came from and why, from its headers; never its key or value.',
    columns: [
      sym('output', 'dlq or late'),
      sym('source_topic', 'the topic the record was read from, without TOPIC_PREFIX'),
      sym('code', 'the error code (TW_DECODE_..., TW_RECORD_INVALID, TW_RECORD_LATE...)'),
      sym('failed_by', 'the processor (or tool) that sent it'),
      { name: 'source_partition', type: 'INT' },
      long('source_offset'),
      { name: 'output_partition', type: 'INT', doc: 'its partition on the side output' },
      long('output_offset', 'its offset on the side output'),
      { name: 'record_ts', type: 'TIMESTAMP', doc: 'its Kafka timestamp on the side output' },
    ],
    keys: ['output', 'output_partition', 'output_offset'],
  },
  {
    name: 'processor_progress',
    doc: 'A running processor instance’s progress on one input partition it owns, every TW_PROGRESS_INTERVAL_MS (ts = when it was read, wall clock): the group’s committed offset, the end of the partition and the lag between them, and the last commit.',
    columns: [
      sym('processor'),
      sym('consumer_group', 'the consumer group (physical name)'),
      sym('instance', 'the instance id of the `tradewatch run` that owns the partition'),
      sym('topic', 'the input topic, without TOPIC_PREFIX'),
      { name: 'input_partition', type: 'INT' },
      long('committed_offset', 'the next offset the group reads; null when it never committed there'),
      long(
        'end_offset',
        'the end of the partition (its last stable offset) as read-committed readers see it',
      ),
      long('lag', 'end_offset minus committed_offset (from the first stored offset when never committed)'),
      { name: 'last_commit_at', type: 'TIMESTAMP', doc: 'when the group last committed on the partition' },
      long('commit_age_ms', 'ts minus last_commit_at; null when never committed'),
    ],
    keys: ['processor', 'topic', 'input_partition'],
  },
];
