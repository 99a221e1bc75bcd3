/**
 * The summary metrics, pinned (backtest/README.md): null when undefined (no period, a zero
 * denominator, a non-finite value). P = 365.25 days / horizon periods per year.
 */
import { DAY_MS } from '../../core/durations.ts';
import type { BacktestMetrics, BacktestPeriod } from '../result.ts';

const mean = (xs: readonly number[]): number | null =>
  xs.length === 0 ? null : xs.reduce((s, x) => s + x, 0) / xs.length;

/** Sample standard deviation (n − 1); null with fewer than 2 values. */
function stdev(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const m = mean(xs)!;
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) * (x - m), 0) / (xs.length - 1));
}

/** `a / b`, null when either is null, b is 0 or the quotient is not finite. */
function ratio(a: number | null, b: number | null): number | null {
  if (a === null || b === null || b === 0) return null;
  const q = a / b;
  return Number.isFinite(q) ? q : null;
}

const finite = (x: number | null): number | null => (x !== null && Number.isFinite(x) ? x : null);

/** Mean of the non-null values; null when there are none. */
const meanDefined = (xs: readonly (number | null)[]): number | null =>
  mean(xs.filter((x): x is number => x !== null));

export function backtestMetrics(
  periods: readonly BacktestPeriod[],
  config: { readonly initialEquity: number; readonly horizonMs: number; readonly ks: readonly number[] },
): BacktestMetrics {
  const n = periods.length;
  const P = (365.25 * DAY_MS) / config.horizonMs;
  const r = periods.map((p) => p.return);
  const growth = n === 0 ? null : periods[n - 1]!.equity / config.initialEquity;
  const cagr = growth === null || growth < 0 ? null : finite(growth ** (P / n) - 1);
  const sd = stdev(r);
  const m = mean(r);
  const downside = n === 0 ? null : Math.sqrt(mean(r.map((x) => Math.min(x, 0) ** 2))!);
  const maxDrawdown = n === 0 ? null : Math.max(0, ...periods.map((p) => p.drawdown));
  const perK = (pick: (p: BacktestPeriod) => Readonly<Record<string, number | null>>) =>
    Object.fromEntries(
      config.ks.map((k) => [String(k), meanDefined(periods.map((p) => pick(p)[k] ?? null))]),
    );
  const ics = periods.map((p) => p.ic).filter((x): x is number => x !== null);
  return {
    total_return: growth === null ? null : finite(growth - 1),
    cagr,
    volatility: sd === null ? null : finite(sd * Math.sqrt(P)),
    sharpe: finite(ratio(m, sd) === null ? null : ratio(m, sd)! * Math.sqrt(P)),
    sortino: m === null ? null : ratio(m * Math.sqrt(P), downside),
    max_drawdown: maxDrawdown,
    calmar: ratio(cagr, maxDrawdown),
    hit_rate: n === 0 ? null : r.filter((x) => x > 0).length / n,
    turnover: mean(periods.map((p) => p.turnover)),
    precision_at_k: perK((p) => p.precisionAtK),
    recall_at_k: perK((p) => p.recallAtK),
    ndcg_at_k: perK((p) => p.ndcgAtK),
    rank_ic: mean(ics),
    ic_ir: ratio(mean(ics), stdev(ics)),
    periods: n,
    unlabeled_positions: periods.reduce((s, p) => s + p.unlabeled, 0),
  };
}
