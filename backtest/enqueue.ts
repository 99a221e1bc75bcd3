/**
 * Enqueuing a backtest: every task of the request on `backtest.tasks` in ONE Kafka transaction, so that
 * workers (read-committed, one consumer group) see the whole request or none of it. Enqueuing the same
 * request again gives the same task ids: workers and collectors deduplicate on task_id (and tell a
 * changed request apart by request_digest).
 */
import type { RecordPosition } from '../runtime/kafka/index.ts';
import type { BacktestTask } from '../schemas/index.ts';
import type { BacktestTaskSource } from './task-source.ts';

/** What can send records atomically (the scheduler's outputs). */
export interface AtomicRecordSender {
  recordsAtomically(
    topic: 'backtest.tasks',
    values: readonly Record<string, unknown>[],
  ): Promise<RecordPosition[]>;
}

export interface EnqueueResult {
  readonly tasks: readonly BacktestTask[];
  /** Where the transaction's last batches landed (to wait until they are visible). */
  readonly positions: readonly RecordPosition[];
}

/**
 * Produces the tasks of `source` (a version 2 config's time slices, or a version 1 request's data
 * slices) in one transaction: what `backtest enqueue` and the `backtest-fanout` template do.
 */
export async function enqueueBacktest(
  sender: AtomicRecordSender,
  source: BacktestTaskSource,
  requestedAt: number,
  requestedBy: string | null,
): Promise<EnqueueResult> {
  const tasks = source.tasks(requestedAt, requestedBy);
  const positions = await sender.recordsAtomically(
    'backtest.tasks',
    tasks as unknown as Record<string, unknown>[],
  );
  return { tasks, positions };
}
