import type { ProcessContext } from '../contract.ts';
import type { Deviation } from './series-baseline.ts';
import { BASELINE_METRICS, BASELINE_TABLE } from './types.ts';

/** The series an observation belongs to. */
export interface SeriesId {
  readonly strategy: string;
  readonly env: string;
  readonly metric: string;
}

/**
 * Emits what one observation gives: the z-score points that are defined (`baseline_zscore` and
 * `baseline_zscore_abs` once the baseline has enough observations and a std, `baseline_zscore_window`
 * likewise for the trailing window) and always a row of the `baseline` table.
 */
export function emitDeviation(
  context: Pick<ProcessContext, 'emit'>,
  series: SeriesId,
  deviation: Deviation,
): void {
  const labels = { strategy: series.strategy, env: series.env, metric: series.metric };
  const { ts, z, windowZ } = deviation;
  if (z !== null) {
    context.emit({ kind: 'metric', metric: { name: BASELINE_METRICS.zscore, labels, value: z, ts } });
    context.emit({
      kind: 'metric',
      metric: { name: BASELINE_METRICS.zscoreAbs, labels: { ...labels }, value: Math.abs(z), ts },
    });
  }
  if (windowZ !== null) {
    context.emit({
      kind: 'metric',
      metric: { name: BASELINE_METRICS.zscoreWindow, labels: { ...labels }, value: windowZ, ts },
    });
  }
  context.emit({
    kind: 'row',
    row: {
      table: BASELINE_TABLE,
      ts,
      symbols: { ...labels },
      columns: {
        value: finite(deviation.value),
        mean: finite(deviation.mean),
        std: finite(deviation.std),
        z: finite(z),
        window_mean: finite(deviation.windowMean),
        window_std: finite(deviation.windowStd),
        window_z: finite(windowZ),
        observations: deviation.observations,
      },
    },
  });
}

/** QuestDB takes finite doubles or null; an overflowed moment (values near 1e308) is left empty. */
function finite(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null;
}
