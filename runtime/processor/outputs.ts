/**
 * Where a processor's outputs go: metrics to `metrics`, alerts to `alerts`, records to their topic
 * (a broadcast expanded to one copy per partition), rows to the sink; rejected and late records to
 * `dlq` and `late`.
 */
import { TradewatchError } from '../../core/errors.ts';
import type { IncomingRecord, OutgoingRecord } from '../kafka/index.ts';
import { physicalName, seriesKey } from '../../topics/index.ts';
import { deadLetterRecord } from './dead-letter.ts';
import type { RunnerContext } from './runner-context.ts';
import type { Output, SinkRow } from '../../processors/contract.ts';

/** What was sent to one side output: counts by error code, and the first record as an example. */
interface Noted {
  readonly codes: Map<string, number>;
  readonly example: { readonly record: IncomingRecord; readonly code: string; readonly message: string };
}

/** What a commit sent to `dlq` and `late`. */
export type SideOutputNotes = ReadonlyMap<'dlq' | 'late', Noted>;

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
    this.#note('late', record, 'TW_RECORD_LATE', reason);
    return this.#sideOutput('late', record, 'TW_RECORD_LATE', reason);
  }

  /** `record` for `dlq`. */
  deadLetter(record: IncomingRecord, code: string, message: string): OutgoingRecord {
    this.#note('dlq', record, code, message);
    return this.#sideOutput('dlq', record, code, message);
  }

  /**
   * What was sent to `dlq` and `late` since the last call (or `forgetSideOutputs`): a commit takes it as
   * it starts, then logs it once committed (`logSideOutputs`), while the next batches note their own.
   */
  takeSideOutputs(): SideOutputNotes {
    const taken = new Map(this.#noted);
    this.#noted.clear();
    return taken;
  }

  /**
   * Logs what a commit sent to `dlq` and `late`: one line each, counts by error code and the first
   * record as an example, so a burst of garbage does not flood the log.
   */
  logSideOutputs(notes: SideOutputNotes): void {
    for (const [topic, noted] of notes) {
      const counts = Object.fromEntries(noted.codes);
      const total = [...noted.codes.values()].reduce((a, b) => a + b, 0);
      if (topic === 'dlq') this.#ctx.counters.deadLettered += total;
      else this.#ctx.counters.late += total;
      const { record, code, message } = noted.example;
      const where = `${record.topic}[${record.partition}]@${record.offset}`;
      const example = { topic: record.topic, partition: record.partition, offset: record.offset, code };
      if (topic === 'dlq') {
        this.#ctx.log.warn(
          { deadLettered: counts, example },
          `dead-lettered ${total} record(s) to dlq (${summary(noted.codes)}); e.g. ${where}: ${message}`,
        );
      } else {
        this.#ctx.log.info(
          { late: total, example },
          `sent ${total} late record(s) to \`late\`; e.g. ${where}: ${message}`,
        );
      }
    }
  }

  /** Forgets what the batches not committed noted: their records come again. */
  forgetSideOutputs(): void {
    this.#noted.clear();
  }

  readonly #noted: Map<'dlq' | 'late', Noted> = new Map();

  #note(topic: 'dlq' | 'late', record: IncomingRecord, code: string, message: string): void {
    let noted = this.#noted.get(topic);
    if (noted === undefined) {
      noted = { codes: new Map(), example: { record, code, message } };
      this.#noted.set(topic, noted);
    }
    noted.codes.set(code, (noted.codes.get(code) ?? 0) + 1);
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

/** `2 TW_DECODE_NOT_SINGLE_OBJECT, 1 TW_RECORD_INVALID`. */
function summary(codes: ReadonlyMap<string, number>): string {
  return [...codes]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([code, n]) => `${n} ${code}`)
    .join(', ');
}
