/**
 * The options of a {@link ProcessorRunner} in three steps: public (documented, with defaults) →
 * {@link RUNNER_DEFAULTS} → compiled and frozen by {@link compileRunnerOptions} (durations in ms).
 */
import { withoutUndefined } from '../../core/without-undefined.ts';
import { hostname } from 'node:os';
import { systemClock, type Clock } from '../../core/clock.ts';
import { ConfigError, TradewatchError } from '../../core/errors.ts';
import type { KafkaClient } from '../kafka/index.ts';
import type { Logger } from '../../core/logger.ts';
import type { SchemaRegistry } from '../../schemas/index.ts';
import type { Processor, RowSink } from '../../processors/contract.ts';
import type { ProgressOptions } from './progress.ts';

/** Options of a {@link ProcessorRunner}. */
export interface RunnerOptions<In, State> {
  /** The processor to run. */
  readonly processor: Processor<In, State>;
  readonly kafka: KafkaClient;
  readonly registry: SchemaRegistry;
  /** Where `row` outputs go; flushed before each commit. */
  readonly sink: RowSink;
  readonly logger: Logger;
  /** TOPIC_PREFIX. Default ''. */
  readonly topicPrefix?: string;
  /**
   * This instance's id, unique among the instances of the processor (its transactional id derives from
   * it). Default: host name and process id.
   */
  readonly instanceId?: string;
  /** Wall clock handed to the processor. Default: the system clock. */
  readonly clock?: Clock;
  /** First wait before retrying a failed sink flush; doubles up to `sinkRetryMaxMs`. Default 200 ms. */
  readonly sinkRetryInitialMs?: number;
  /** Longest wait between sink flush retries. Default 5000 ms. */
  readonly sinkRetryMaxMs?: number;
  /** See ConsumerOptions.sessionTimeoutMs. Default 10000 ms. */
  readonly sessionTimeoutMs?: number;
  /** How often due wall-clock timers are looked for (processors with timers only). Default 1000 ms. */
  readonly timerTickMs?: number;
  /** Replication factor of the changelog topic when it is created. Default 1. */
  readonly replicationFactor?: number;
  /**
   * Batches handled within this long are committed in one transaction, each touched key's state
   * written to the changelog once (a batch that reaches its partition's end is committed at once; on
   * an input written in transactions, a batch read while one is open does not reach the end, the high
   * watermark, and waits up to the interval). 0
   * commits the batches of each fetch (one per partition) together. Longer: fewer, larger transactions and less changelog when behind, at the cost
   * of outputs held back that long. Default 0: measured on 2026-12-07, a 1 MiB fetch takes longer
   * than Kafka Streams' 100 ms (`commit.interval.ms` under exactly-once) to process, so 100 gathered
   * nothing while behind and held back live outputs (see the README's Performance section).
   */
  readonly commitIntervalMs?: number;
  /**
   * A commit unit (the batches committed in one transaction) is committed once it holds this many
   * input records, even with batches of its fetch still waiting, which are then handled while it
   * commits (commit-unit.ts). Bounds the memory and the size of a transaction. Default 30,000.
   */
  readonly maxUnitRecords?: number;
  /**
   * Progress reports (`processor_progress` rows: committed offset, end, lag and last commit per owned
   * input partition) every `intervalMs` to a sink of their own, off the batches' path (progress.ts).
   * Default null: none.
   */
  readonly progress?: ProgressOptions | null;
}

/** The options with every default applied, frozen. */
export type CompiledRunnerOptions<In, State> = Readonly<Required<RunnerOptions<In, State>>>;

/** The defaults of the optional {@link RunnerOptions} (the instance id's is computed: host and pid). */
export const RUNNER_DEFAULTS = Object.freeze({
  topicPrefix: '',
  clock: systemClock,
  sinkRetryInitialMs: 200,
  sinkRetryMaxMs: 5000,
  sessionTimeoutMs: 10_000,
  timerTickMs: 1000,
  replicationFactor: 1,
  commitIntervalMs: 0,
  maxUnitRecords: 30_000,
  progress: null,
});

/** Applies the defaults and checks the processor's inputs and the values; throws TW_CONFIG_INVALID. */
export function compileRunnerOptions<In, State>(
  options: RunnerOptions<In, State>,
): CompiledRunnerOptions<In, State> {
  const { processor } = options;
  if (processor.inputs.length === 0) {
    throw new TradewatchError('TW_CONFIG_INVALID', `processor ${processor.name} declares no input`);
  }
  if (processor.inputs.filter((i) => i.primary === true).length > 1) {
    throw new TradewatchError(
      'TW_CONFIG_INVALID',
      `processor ${processor.name} declares several primary inputs: at most one input keeps the processor's own changelog name`,
    );
  }
  const given = withoutUndefined(options);
  const compiled = {
    ...RUNNER_DEFAULTS,
    instanceId: `${hostname()}-${process.pid}`,
    ...given,
  } as CompiledRunnerOptions<In, State>;
  const problems = (['sinkRetryInitialMs', 'sinkRetryMaxMs', 'sessionTimeoutMs', 'timerTickMs'] as const)
    .filter((key) => !(Number.isSafeInteger(compiled[key]) && compiled[key] > 0))
    .map((key) => `${key} must be a positive integer of milliseconds; got ${String(compiled[key])}`);
  if (!(Number.isSafeInteger(compiled.commitIntervalMs) && compiled.commitIntervalMs >= 0)) {
    problems.push(
      `commitIntervalMs must be 0 or a positive integer of milliseconds; got ${String(compiled.commitIntervalMs)}`,
    );
  }
  const progressMs = compiled.progress?.intervalMs;
  if (progressMs !== undefined && !(Number.isSafeInteger(progressMs) && progressMs > 0)) {
    problems.push(
      `progress.intervalMs must be a positive integer of milliseconds; got ${String(progressMs)}`,
    );
  }
  if (!(Number.isSafeInteger(compiled.maxUnitRecords) && compiled.maxUnitRecords > 0)) {
    problems.push(`maxUnitRecords must be a positive integer; got ${String(compiled.maxUnitRecords)}`);
  }
  if (!(Number.isSafeInteger(compiled.replicationFactor) && compiled.replicationFactor > 0)) {
    problems.push(`replicationFactor must be a positive integer; got ${String(compiled.replicationFactor)}`);
  }
  if (problems.length > 0) throw new ConfigError(problems, `the runner options of ${processor.name}`);
  return Object.freeze(compiled);
}
