/**
 * A runner's progress reports: every `intervalMs`, one `processor_progress` row per input partition
 * this instance owns (sinks/questdb/telemetry-tables.ts): the group's committed offset there, the
 * partition's end, the lag between them and the last commit (the commit metadata the committer writes),
 * so that Grafana charts over time what `tradewatch status` shows live (runtime/status/processors.ts
 * computes the same figures per group).
 *
 * Outside the exactly-once path: it reads Kafka with the runner's admin client on a timer of its own,
 * writes to a sink of its own (never the batches'), and nothing it does holds, slows or fails a batch
 * or a commit. A report that fails (Kafka or QuestDB not answering) is logged, once per outage, and
 * the next tick tries again; while QuestDB does not acknowledge, no new rows are taken (the pending
 * ones are sent once it is back), so an outage costs a gap in the series, not memory.
 */
import { toError } from '../../core/errors.ts';
import { committedAt, type CommittedOffset, type PartitionOffsets } from '../kafka/index.ts';
import type { RunnerContext } from './runner-context.ts';
import type { RowSink, SinkRow } from '../../processors/contract.ts';

/** Options of the progress reports (RunnerOptions.progress). */
export interface ProgressOptions {
  /** Where the rows go: a sink of their own, so that a failed write never holds the batches' rows. */
  readonly sink: RowSink;
  /** How often each owned partition gets a row, ms (TW_PROGRESS_INTERVAL_MS). */
  readonly intervalMs: number;
}

/** One owned partition's figures, as a `processor_progress` row. */
export function progressRow(
  at: number,
  who: {
    readonly processor: string;
    readonly group: string;
    readonly instance: string;
    readonly topic: string;
  },
  end: PartitionOffsets,
  committed: CommittedOffset | undefined,
): SinkRow {
  const low = BigInt(end.low);
  const high = BigInt(end.high);
  const from = committed === undefined ? low : BigInt(committed.offset);
  const lag = high - (from < low ? low : from);
  const lastCommit = committed === undefined ? null : committedAt(committed.metadata);
  return {
    table: 'processor_progress',
    ts: at,
    symbols: {
      processor: who.processor,
      consumer_group: who.group,
      instance: who.instance,
      topic: who.topic,
    },
    columns: {
      input_partition: end.partition,
      committed_offset: committed === undefined ? null : Number(committed.offset),
      end_offset: Number(high),
      lag: lag > 0n ? Number(lag) : 0,
      last_commit_at: lastCommit,
      commit_age_ms: lastCommit === null ? null : Math.max(0, at - lastCommit),
    },
  };
}

export class ProgressReporter<In, State> {
  readonly #ctx: RunnerContext<In, State>;
  readonly #options: ProgressOptions;
  /** Owned partitions per physical input topic, from the last assignment. */
  #owned = new Map<string, readonly number[]>();
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  /** Whether the last flush failed: no new rows until one succeeds. */
  #sinkDown = false;
  /** Whether the last report failed (for one warning per outage). */
  #failing = false;
  #reports = 0;
  #closed = false;

  constructor(ctx: RunnerContext<In, State>, options: ProgressOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Starts the timer. */
  start(): void {
    this.#timer = setInterval(() => {
      // One report at a time: a slow QuestDB skips ticks rather than piling reports up.
      if (this.#busy) return;
      this.#busy = true;
      void this.report().finally(() => (this.#busy = false));
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  /** The partitions this instance owns now (the runner's assignment). */
  assigned(assigned: readonly { topic: string; partitions: readonly number[] }[]): void {
    this.#owned = new Map(assigned.map((a) => [a.topic, a.partitions]));
  }

  /** Reports written (flushed) since the start. */
  get reports(): number {
    return this.#reports;
  }

  /** One report: reads the offsets, writes and flushes the rows. Never throws (failures are logged). */
  async report(): Promise<void> {
    const { log } = this.#ctx;
    try {
      if (!this.#sinkDown) {
        const rows = await this.#rows();
        if (this.#closed) return;
        if (rows.length > 0) this.#options.sink.write(rows);
      }
      this.#sinkDown = true;
      await this.#options.sink.flush();
      this.#sinkDown = false;
      this.#reports += 1;
      if (this.#failing) log.info('progress reports are written again');
      this.#failing = false;
    } catch (error: unknown) {
      if (!this.#failing && !this.#closed) {
        log.warn(
          { err: toError(error) },
          'progress report not written (processing and commits go on); trying again every interval',
        );
      }
      this.#failing = true;
    }
  }

  /**
   * Stops the timer. A report in hand is not waited for (a QuestDB that does not answer must not hold a
   * shutdown): it ends on its own, and the sink's owner closes the sink.
   */
  close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    return Promise.resolve();
  }

  async #rows(): Promise<SinkRow[]> {
    const { inputs, groupId, options } = this.#ctx;
    const owned = inputs.filter((i) => (this.#owned.get(i.physical) ?? []).length > 0);
    if (owned.length === 0) return [];
    const admin = this.#ctx.admin();
    const [committed, ends] = await Promise.all([
      admin.committedOffsets([groupId]),
      Promise.all(owned.map((i) => admin.offsets(i.physical))),
    ]);
    const mine = committed.get(groupId) ?? [];
    const at = options.clock.now();
    const rows: SinkRow[] = [];
    owned.forEach((input, i) => {
      const partitions = new Set(this.#owned.get(input.physical));
      const who = {
        processor: options.processor.name,
        group: groupId,
        instance: options.instanceId,
        topic: input.topic,
      };
      for (const end of ends[i]!) {
        if (!partitions.has(end.partition)) continue;
        const c = mine.find((o) => o.topic === input.physical && o.partition === end.partition);
        rows.push(progressRow(at, who, end, c));
      }
    });
    return rows;
  }
}
