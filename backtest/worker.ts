/**
 * `tradewatch backtest worker`: one member of the pool (any number, one consumer group,
 * `<prefix>tradewatch.backtest-worker`) on `backtest.tasks`. Each task is run (pool.ts's runTask) and
 * only then its offset committed: a worker killed in the middle of a slice leaves the task uncommitted,
 * and the member its partition moves to runs it again; slices are deterministic, so the merged result is
 * the same.
 */
import { randomUUID } from 'node:crypto';
import type { KafkaClient } from '../core/kafka-port.ts';
import { TradewatchError, toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { SchemaRegistry } from '../schemas/index.ts';
import { physicalName, processorGroup } from '../topics/index.ts';
import { runTask, type TaskOutcome } from './pool.ts';
import type { HistorySource } from './history.ts';
import { progressLine } from './progress.ts';
import type { RunOptions } from './run.ts';

export interface WorkerOptions extends Pick<RunOptions, 'artifactsDir' | 'report' | 'questdb'> {
  readonly kafka: KafkaClient;
  readonly registry: SchemaRegistry;
  readonly topicPrefix: string;
  readonly logger: Logger;
  readonly history: Omit<HistorySource, 'knownAt'>;
  readonly sessionTimeoutMs?: number;
  /** Told after each task. */
  readonly onTask?: (taskId: string, outcome: TaskOutcome) => void;
}

/** The pool's consumer group. */
export const workerGroup = (prefix: string): string => processorGroup('backtest-worker', prefix);

/** Runs until `signal` aborts. */
export async function runBacktestWorker(options: WorkerOptions, signal: AbortSignal): Promise<void> {
  const groupId = workerGroup(options.topicPrefix);
  const topic = physicalName('backtest.tasks', options.topicPrefix);
  const codec = options.registry.codec('BacktestTask');
  const log = options.logger.child({ component: 'backtest-worker' });
  const producer = await options.kafka.producer({ transactionalId: `${groupId}.${randomUUID()}` });
  const consumer = await options.kafka.consumer({
    groupId,
    topics: [topic],
    fromBeginning: true,
    ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: options.sessionTimeoutMs }),
  });
  let fatal: Error | undefined;
  let stop = (): void => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  if (signal.aborted) stop();
  signal.addEventListener('abort', () => stop(), { once: true });
  try {
    await consumer.run(
      async (records, batch) => {
        for (const record of records) {
          if (signal.aborted || !batch.isActive()) return;
          const task = codec.decode(record.value!);
          const progress = progressLine(`backtest ${task.task_id}`, 1);
          // The slice runs in a worker thread: this thread keeps the group membership alive.
          const beat = setInterval(() => void batch.heartbeat().catch(() => undefined), 1_000);
          let outcome: TaskOutcome;
          try {
            outcome = await runTask(task, {
              ...options,
              progress: { onSlice: () => progress.slice(), onRebalances: (n) => progress.rebalances(n) },
            });
          } catch (e: unknown) {
            if (!(e instanceof TradewatchError) || e.retriable) throw e;
            // A task that can never run (an invalid config) is logged and passed over.
            outcome = { kind: 'skipped', reason: e.message };
          } finally {
            clearInterval(beat);
            progress.done();
          }
          if (outcome.kind === 'skipped') log.error({ task: task.task_id }, outcome.reason);
          else log.info({ task: task.task_id, ...outcome }, `backtest task ${task.task_id}: ${outcome.kind}`);
          await producer.sendAtomically([], {
            consumerOffsets: {
              groupId,
              offsets: [{ topic, partition: record.partition, offset: String(BigInt(record.offset) + 1n) }],
            },
          });
          options.onTask?.(task.task_id, outcome);
        }
      },
      {
        onFatal: (error) => {
          fatal = error;
          stop();
          log.error({ err: toError(error) }, 'the backtest worker’s consumer stopped for good');
        },
      },
    );
    log.info({ group: groupId, topic }, 'backtest worker running');
    await stopped;
  } finally {
    await consumer.close();
    await producer.close();
  }
  if (fatal !== undefined) throw fatal;
}
