/**
 * What the engine computes from: history rows held in memory, each with its event time and the time it
 * became known (`ingestedAt`, the Kafka record's timestamp). Times are epoch ms.
 */

/** One prediction of a cycle. */
export interface HistoryPrediction {
  readonly asset: string;
  readonly score: number;
  readonly rank: number;
}

/** One inference cycle of the backtest's strategy and env, with its predictions. */
export interface HistoryCycle {
  readonly cycleId: string;
  readonly asOf: number;
  readonly horizonMs: number;
  readonly status: 'success' | 'failure';
  readonly ingestedAt: number;
  readonly predictions: readonly HistoryPrediction[];
}

/** A forward return (a later revision of the same asset, as_of and horizon replaces an earlier one). */
export interface HistoryOutcome {
  readonly asset: string;
  readonly asOf: number;
  readonly horizonMs: number;
  readonly forwardReturn: number;
  readonly ingestedAt: number;
}

/** A signal value; a revision is a row with the same asset, source, name and event time, known later. */
export interface HistorySignal {
  readonly asset: string;
  readonly source: string;
  readonly name: string;
  readonly value: number;
  readonly eventTime: number;
  readonly ingestedAt: number;
}

export interface BacktestInputs {
  readonly cycles: readonly HistoryCycle[];
  readonly outcomes: readonly HistoryOutcome[];
  readonly signals: readonly HistorySignal[];
}
