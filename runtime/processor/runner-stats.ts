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
