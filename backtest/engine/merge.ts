/**
 * The sequential part of a run: rebalances (computed apart, by any slices) in time order become periods
 * with turnover, costs, equity and drawdown. cost_t = (fee_bps + slippage_bps) / 10,000 × Σ_i |w_i,t −
 * w_i,prev| (w_prev all 0 before the first); E_t = E_(t−1) × (1 + r_t); drawdown_t = 1 − E_t / max_(s≤t) E_s
 * with E_0 included. Exact whatever the slicing: every slice hands over gross returns and weights.
 */
import type { BacktestPeriod } from '../result.ts';
import type { RebalanceResult } from './rebalance.ts';

export interface MergeOptions {
  readonly initialEquity: number;
  readonly feeBps: number;
  readonly slippageBps: number;
}

/** Σ_i |w_i − p_i| over the assets of either. */
export function turnover(
  weights: Readonly<Record<string, number>>,
  previous: Readonly<Record<string, number>>,
): number {
  let sum = 0;
  for (const [asset, w] of Object.entries(weights)) sum += Math.abs(w - (previous[asset] ?? 0));
  for (const [asset, p] of Object.entries(previous)) if (!(asset in weights)) sum += Math.abs(p);
  return sum;
}

/** The periods of `rebalances` (any order; one per t). */
export function mergeRebalances(
  rebalances: readonly RebalanceResult[],
  options: MergeOptions,
): BacktestPeriod[] {
  const ordered = [...rebalances].sort((a, b) => a.t - b.t);
  for (let i = 1; i < ordered.length; i++) {
    if (ordered[i]!.t === ordered[i - 1]!.t) {
      throw new RangeError(`two results for the rebalance at ${new Date(ordered[i]!.t).toISOString()}`);
    }
  }
  const rate = (options.feeBps + options.slippageBps) / 10_000;
  let previous: Readonly<Record<string, number>> = {};
  let equity = options.initialEquity;
  let peak = equity;
  return ordered.map((r) => {
    const moved = turnover(r.weights, previous);
    const cost = rate * moved;
    const ret = r.grossReturn - cost;
    equity = equity * (1 + ret);
    peak = Math.max(peak, equity);
    previous = r.weights;
    return {
      t: r.t,
      weights: r.weights,
      grossReturn: r.grossReturn,
      cost,
      return: ret,
      turnover: moved,
      equity,
      drawdown: 1 - equity / peak,
      candidates: r.candidates,
      unlabeled: r.unlabeled,
      precisionAtK: r.precisionAtK,
      recallAtK: r.recallAtK,
      ndcgAtK: r.ndcgAtK,
      ic: r.ic,
    };
  });
}
