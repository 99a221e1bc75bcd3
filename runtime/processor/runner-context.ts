/** What every part of a ProcessorRunner reads: its options, identity, inputs, counters and clients. */
import type { KafkaAdmin, KafkaProducer } from '../kafka/index.ts';
import type { Logger } from '../../core/logger.ts';
import type { RunnerInput } from './changelogs.ts';
import type { CompiledRunnerOptions } from './runner-options.ts';

/** Counters of one runner since it started. */
export interface RunnerStats {
  readonly records: number;
  readonly deadLettered: number;
  /** Records sent to the `late` side output. */
  readonly late: number;
  readonly batches: number;
  readonly restoredKeys: number;
  /** Timer firings committed. */
  readonly timersFired: number;
  /** Timer ticks run (each looks at every restored store for due timers). */
  readonly ticks: number;
}

/** The runner's own, writable copy of its {@link RunnerStats}. */
export type RunnerCounters = { -readonly [K in keyof RunnerStats]: number };

export function newCounters(): RunnerCounters {
  return { records: 0, deadLettered: 0, late: 0, batches: 0, restoredKeys: 0, timersFired: 0, ticks: 0 };
}

export interface RunnerContext<In, State> {
  readonly options: CompiledRunnerOptions<In, State>;
  /** The runner's logger (a child naming the processor). */
  readonly log: Logger;
  /** The processor's consumer group (physical name). */
  readonly groupId: string;
  readonly inputs: readonly RunnerInput[];
  readonly counters: RunnerCounters;
  /** True once the runner is closing. */
  stopping(): boolean;
  /** Aborted once the runner is closing: what waits (a restore) gives up at once. */
  readonly stopSignal: AbortSignal;
  /** The admin client (there once the runner started). */
  admin(): KafkaAdmin;
  /** A plain producer for the restore fences, outside the batches' transactions (there once started). */
  fenceProducer(): KafkaProducer;
}
