/**
 * Where a processor's outputs go: metrics to `metrics`, alerts to `alerts`, records to their topic
 * (a broadcast expanded to one copy per partition), rows to the sink; rejected and late records to
 * `dlq` and `late`.
 */
import { TradewatchError } from '../errors.ts';
import type { IncomingRecord, OutgoingRecord } from '../kafka/index.ts';
import { physicalName, seriesKey } from '../../topics/index.ts';
import { deadLetterRecord } from './dead-letter.ts';
import type { RunnerContext } from './runner-context.ts';
import type { Output, SinkRow } from './types.ts';

/** A record produced by the processor, before broadcasts are expanded. */
export type Pending = OutgoingRecord & { readonly broadcast?: boolean };

export class RunnerOutputs<In, State> {
  readonly #ctx: RunnerContext<In, State>;
  readonly #prefix: string;
  /** Partition counts of the topics broadcast to. */
  readonly #partitions = new Map<string, number>();

  constructor(ctx: RunnerContext<In, State>) {
    this.#ctx = ctx;
    this.#prefix = ctx.options.topicPrefix;
  }

  /** Adds an output (other than `late`) to what the batch or tick commits. */
  route(output: Output, outgoing: Pending[], rows: SinkRow[]): void {
    const { registry } = this.#ctx.options;
    const prefix = this.#prefix;
    switch (output.kind) {
      case 'row':
        rows.push(output.row);
        return;
      case 'metric': {
        const m = output.metric;
        outgoing.push({
          topic: physicalName('metrics', prefix),
          key: seriesKey(m.name, m.labels),
          value: registry.codec('Metric').encode(m),
        });
        return;
      }
      case 'alert':
        outgoing.push({
          topic: physicalName('alerts', prefix),
          key: output.alert.fingerprint,
          value: registry.codec('Alert').encode(output.alert),
        });
        return;
      case 'record': {
        const value = registry.codec(output.type).encode(output.value as never);
        const topic = physicalName(output.topic, prefix);
        if (output.partition === 'all') outgoing.push({ topic, key: output.key, value, broadcast: true });
        else if (output.partition !== undefined) {
          outgoing.push({ topic, key: output.key, value, partition: output.partition });
        } else outgoing.push({ topic, key: output.key, value });
        return;
      }
      case 'late':
        throw new TradewatchError(
          'TW_CONFIG_INVALID',
          `${this.#ctx.options.processor.name} emitted a \`late\` output outside \`process\`: there is no record to send`,
        );
    }
  }

  /** `record` for the `late` side output. */
  late(record: IncomingRecord, reason: string): OutgoingRecord {
    this.#ctx.counters.late += 1;
    this.#ctx.log.info(
      { topic: record.topic, partition: record.partition, offset: record.offset },
      `late record ${record.topic}[${record.partition}]@${record.offset} sent to \`late\`: ${reason}`,
    );
    return this.#sideOutput('late', record, 'TW_RECORD_LATE', reason);
  }

  /** `record` for `dlq`. */
  deadLetter(record: IncomingRecord, code: string, message: string): OutgoingRecord {
    this.#ctx.counters.deadLettered += 1;
    this.#ctx.log.warn(
      { topic: record.topic, partition: record.partition, offset: record.offset, code },
      `dead-lettered ${record.topic}[${record.partition}]@${record.offset}: ${message}`,
    );
    return this.#sideOutput('dlq', record, code, message);
  }

  #sideOutput(topic: 'dlq' | 'late', record: IncomingRecord, code: string, message: string): OutgoingRecord {
    return deadLetterRecord(physicalName(topic, this.#prefix), record, {
      code,
      message,
      failedAt: this.#ctx.options.clock.now(),
      failedBy: this.#ctx.options.processor.name,
    });
  }

  /** Replaces each broadcast record by one copy per partition of its topic. */
  async expandBroadcasts(outgoing: readonly Pending[]): Promise<OutgoingRecord[]> {
    if (!outgoing.some((r) => r.broadcast)) return outgoing as OutgoingRecord[];
    const records: OutgoingRecord[] = [];
    for (const record of outgoing) {
      if (!record.broadcast) {
        records.push(record);
        continue;
      }
      let count = this.#partitions.get(record.topic);
      count ??= (await this.#ctx.admin().describeTopics([record.topic], []))[0]?.partitions;
      if (count === undefined) {
        throw new TradewatchError(
          'TW_TOPIC_UNKNOWN',
          `${this.#ctx.options.processor.name} broadcasts to ${record.topic}, which does not exist: run \`tradewatch topics apply\``,
        );
      }
      this.#partitions.set(record.topic, count);
      const { broadcast: _broadcast, ...plain } = record;
      for (let partition = 0; partition < count; partition += 1) records.push({ ...plain, partition });
    }
    return records;
  }
}
