/**
 * What a backtest produces: the contract between the engine (which computes it), the artifact writer
 * (periods.csv, metrics.json, alerts.jsonl, manifest.json) and the report (report.html). Times are
 * epoch milliseconds; returns and weights are fractions (0.01 = 1%); null means undefined (see the
 * metric definitions in backtest/README.md).
 */

/** One holding period, starting at the rebalance time `t`. */
export interface BacktestPeriod {
  /** The rebalance time (the cycle's as_of). */
  readonly t: number;
  /** Weight per asset held over [t, t + horizon). */
  readonly weights: Readonly<Record<string, number>>;
  /** Σ_i w_i × forward_return(i), before costs. */
  readonly grossReturn: number;
  /** (fee_bps + slippage_bps) / 10,000 × turnover. */
  readonly cost: number;
  /** r_t = grossReturn − cost. */
  readonly return: number;
  /** Σ_i |w_i,t − w_i,prev|. */
  readonly turnover: number;
  /** E_t, after this period. */
  readonly equity: number;
  /** 1 − E_t / max_(s≤t) E_s. */
  readonly drawdown: number;
  /** Candidates at t (assets with a combined score). */
  readonly candidates: number;
  /** Held assets without an outcome for (t, horizon): they returned 0. */
  readonly unlabeled: number;
  /** Per K (as a string key, "5"), the combined ranking's precision, recall and nDCG at t; null if undefined. */
  readonly precisionAtK: Readonly<Record<string, number | null>>;
  readonly recallAtK: Readonly<Record<string, number | null>>;
  readonly ndcgAtK: Readonly<Record<string, number | null>>;
  /** Spearman correlation of combined score and forward return over labelled candidates; null if undefined. */
  readonly ic: number | null;
}

/** The summary metrics (backtest/README.md pins each definition). Per-K ones are keyed by K. */
export interface BacktestMetrics {
  readonly total_return: number | null;
  readonly cagr: number | null;
  readonly volatility: number | null;
  readonly sharpe: number | null;
  readonly sortino: number | null;
  readonly max_drawdown: number | null;
  readonly calmar: number | null;
  readonly hit_rate: number | null;
  readonly turnover: number | null;
  readonly precision_at_k: Readonly<Record<string, number | null>>;
  readonly recall_at_k: Readonly<Record<string, number | null>>;
  readonly ndcg_at_k: Readonly<Record<string, number | null>>;
  readonly rank_ic: number | null;
  readonly ic_ir: number | null;
  readonly periods: number;
  readonly unlabeled_positions: number;
}

/** An alert the monitoring replay raised (the Alert record, as JSON, with its virtual time). */
export interface BacktestAlert {
  readonly ts: number;
  readonly rule: string;
  readonly severity: string;
  readonly status: 'firing' | 'resolved';
  readonly fingerprint: string;
  readonly summary: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The artifact's manifest: everything its version is derived from. */
export interface BacktestManifest {
  readonly id: string;
  /** The artifact version: a digest of the inputs (config, input data, code, lockfile). */
  readonly version: string;
  /** The normalized config, as run. */
  readonly config: unknown;
  readonly configDigest: string;
  /** Digest of each input query's result, by query name. */
  readonly inputs: Readonly<Record<string, string>>;
  readonly code: { readonly commit: string | null; readonly dirty: boolean };
  readonly lockfileDigest: string;
  readonly node: string;
  readonly tradewatch: string;
  readonly seed: number;
}

/** A whole result, as the report reads it. */
export interface BacktestResult {
  readonly manifest: BacktestManifest;
  readonly periods: readonly BacktestPeriod[];
  readonly metrics: BacktestMetrics;
  readonly alerts: readonly BacktestAlert[];
}
