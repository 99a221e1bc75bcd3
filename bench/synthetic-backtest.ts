/**
 * A deterministic, synthetic BacktestResult for the report's tests and bench: n hourly periods with equity,
 * drawdown, costs, precision/recall/nDCG per K (sometimes undefined), IC (sometimes undefined), a
 * monitoring replay's alerts (drawdown episodes and baseline warnings), and metrics computed from the
 * periods by the definitions in issue 14 §3. Same options → same result.
 */
import type { BacktestAlert, BacktestMetrics, BacktestPeriod, BacktestResult } from '../backtest/result.ts';

export interface FixtureOptions {
  /** Default 500. */
  readonly periods?: number;
  /** Default 1. */
  readonly seed?: number;
  /** Default [1, 5, 10]. */
  readonly ks?: readonly number[];
  /** The selection's k. Default 10. */
  readonly k?: number;
  /** Default 1 h. */
  readonly horizonMs?: number;
  /** The first rebalance. Default 2025-01-01T00:00Z. */
  readonly start?: number;
  /** Default 'momentum-blend-2025'. */
  readonly id?: string;
  /** Added to every period’s gross return (a better or worse run). Default 0.0009 (the costs take about as much). */
  readonly drift?: number;
  /** Summary of the first alert, verbatim (to test escaping). */
  readonly firstSummary?: string;
}

/** A deterministic pseudo-random sequence in [0, 1). */
function lcg(seed: number): () => number {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const mean = (xs: readonly number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
const stdev = (xs: readonly number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, v) => s + (v - m) ** 2, 0) / (xs.length - 1));
};
const defined = (xs: readonly (number | null | undefined)[]) =>
  xs.filter((x): x is number => x !== null && x !== undefined);

/** The fixture. */
export function backtestFixture(options: FixtureOptions = {}): BacktestResult {
  const n = options.periods ?? 500;
  const ks = options.ks ?? [1, 5, 10];
  const k = options.k ?? 10;
  const horizonMs = options.horizonMs ?? 3_600_000;
  const start = options.start ?? Date.UTC(2025, 0, 1);
  const id = options.id ?? 'momentum-blend-2025';
  const rand = lcg(options.seed ?? 1);
  const assets = Array.from({ length: 40 }, (_, i) => `A${String(i).padStart(2, '0')}`);
  const initial = 1_000_000;

  const periods: BacktestPeriod[] = [];
  let prev: Record<string, number> = {};
  let equity = initial;
  let peak = initial;
  for (let i = 0; i < n; i++) {
    const t = start + i * horizonMs;
    // Hold k assets, about a third of them replaced each period.
    const held = Object.keys(prev);
    const keep = held.filter(() => rand() > 0.33);
    const pool = assets.filter((a) => !keep.includes(a));
    while (keep.length < k) keep.push(pool.splice(Math.floor(rand() * pool.length), 1)[0]!);
    const weights: Record<string, number> = Object.fromEntries(keep.sort().map((a) => [a, 1 / k]));
    const names = new Set([...Object.keys(weights), ...Object.keys(prev)]);
    let turnover = 0;
    for (const a of names) turnover += Math.abs((weights[a] ?? 0) - (prev[a] ?? 0));
    prev = weights;
    const skill = rand();
    const precisionAtK: Record<string, number | null> = {};
    const recallAtK: Record<string, number | null> = {};
    const ndcgAtK: Record<string, number | null> = {};
    const undefinedHere = i % 37 === 5;
    for (const kk of ks) {
      const hits = Math.min(kk, Math.round(skill * kk * 0.9 + rand() * 0.6));
      precisionAtK[kk] = undefinedHere ? null : hits / kk;
      recallAtK[kk] = undefinedHere ? null : hits / 12;
      ndcgAtK[kk] = undefinedHere ? null : Math.min(1, (hits / kk) * (0.8 + 0.2 * rand()));
    }
    // Returns lean on the ranking's skill, so precision and return correlate.
    const grossReturn = (options.drift ?? 0.0009) + (skill - 0.5) * 0.012 + (rand() - 0.5) * 0.02;
    const cost = (15 / 10_000) * turnover;
    const r = grossReturn - cost;
    equity *= 1 + r;
    peak = Math.max(peak, equity);
    periods.push({
      t,
      weights,
      grossReturn,
      cost,
      return: r,
      turnover,
      equity,
      drawdown: 1 - equity / peak,
      candidates: 30 + Math.floor(rand() * 10),
      unlabeled: i % 53 === 0 ? 1 : 0,
      precisionAtK,
      recallAtK,
      ndcgAtK,
      ic: i % 50 === 7 ? null : Math.max(-1, Math.min(1, (skill - 0.4) * 0.8 + (rand() - 0.5) * 0.3)),
    });
  }

  const alerts = fixtureAlerts(periods, horizonMs, id, options.firstSummary);
  return {
    manifest: manifest(id, horizonMs, start, n, k, ks, initial),
    periods,
    metrics: metrics(periods, ks, horizonMs, initial),
    alerts,
  };
}

/** A drawdown alert fires when the drawdown passes 3% and resolves under 1%; a baseline warning every 97 periods. */
function fixtureAlerts(
  periods: readonly BacktestPeriod[],
  horizonMs: number,
  id: string,
  firstSummary: string | undefined,
): BacktestAlert[] {
  const alerts: BacktestAlert[] = [];
  let firing = false;
  for (const [i, p] of periods.entries()) {
    const at = p.t + horizonMs;
    const labels = { portfolio: `backtest:${id}` };
    if (!firing && p.drawdown > 0.03) {
      firing = true;
      alerts.push({
        ts: at,
        rule: 'portfolio-drawdown',
        severity: 'critical',
        status: 'firing',
        fingerprint: `dd-${i}`,
        summary: `drawdown ${(p.drawdown * 100).toFixed(2)}% over 3%`,
        labels,
      });
    } else if (firing && p.drawdown < 0.01) {
      firing = false;
      alerts.push({
        ts: at,
        rule: 'portfolio-drawdown',
        severity: 'critical',
        status: 'resolved',
        fingerprint: `dd-${i}`,
        summary: 'drawdown back under 1%',
        labels,
      });
    }
    if (i % 97 === 40) {
      alerts.push({
        ts: at,
        rule: 'baseline-return-zscore',
        severity: 'warning',
        status: 'firing',
        fingerprint: `bl-${i}`,
        summary: `period return z-score ${(p.return * 300).toFixed(1)}`,
        labels: { strategy: 'momentum' },
      });
    }
  }
  const first = alerts[0];
  if (first !== undefined && firstSummary !== undefined) alerts[0] = { ...first, summary: firstSummary };
  return alerts;
}

function manifest(
  id: string,
  horizonMs: number,
  start: number,
  n: number,
  k: number,
  ks: readonly number[],
  initial: number,
) {
  return {
    id,
    version: '3f6c1a9e0b7d4c2a8e5f1b3d7a9c0e2f4b6d8a1c3e5f7a9b',
    config: {
      version: 2,
      id,
      strategy: 'momentum',
      env: 'prod',
      from: new Date(start).toISOString(),
      to: new Date(start + n * horizonMs).toISOString(),
      horizon: `${horizonMs / 60_000}m`,
      universe: 'all',
      factors: [
        { name: 'model_score', weight: 1 },
        { name: 'signal:github.commit_velocity', weight: 0.3, max_age: '7d' },
      ],
      selection: { k, weighting: 'equal' },
      costs: { fee_bps: 10, slippage_bps: 5 },
      initial_equity: initial,
      metrics: { ks: [...ks], relevance: 'top_k' },
      monitoring: { rules: 'processors/rules/default-rules.yaml' },
      slice: { every: '30d' },
    },
    configDigest: 'sha256:9a1c…',
    inputs: { predictions: 'sha256:01ab', outcomes: 'sha256:02cd', signals: 'sha256:03ef' },
    code: { commit: 'a70bb18c0ffee0000000000000000000000000', dirty: false },
    lockfileDigest: 'sha256:77aa',
    node: 'v24.21.0',
    tradewatch: '0.1.0',
    seed: 0,
  };
}

function metrics(
  periods: readonly BacktestPeriod[],
  ks: readonly number[],
  horizonMs: number,
  initial: number,
): BacktestMetrics {
  const n = periods.length;
  const r = periods.map((p) => p.return);
  const P = (365.25 * 86_400_000) / horizonMs;
  const last = periods.at(-1)?.equity ?? initial;
  const sd = n > 1 ? stdev(r) : 0;
  const downside = n > 0 ? Math.sqrt(mean(r.map((x) => Math.min(x, 0) ** 2))) : 0;
  const cagr = n > 0 ? (last / initial) ** (P / n) - 1 : null;
  const maxDd = n > 0 ? Math.max(0, ...periods.map((p) => p.drawdown)) : null;
  const perK = (get: (p: BacktestPeriod) => Readonly<Record<string, number | null>>) =>
    Object.fromEntries(
      ks.map((kk) => {
        const xs = defined(periods.map((p) => get(p)[kk]));
        return [String(kk), xs.length === 0 ? null : mean(xs)];
      }),
    );
  const ics = defined(periods.map((p) => p.ic));
  return {
    total_return: n > 0 ? last / initial - 1 : null,
    cagr,
    volatility: n > 1 ? sd * Math.sqrt(P) : null,
    sharpe: n > 1 && sd > 0 ? (mean(r) / sd) * Math.sqrt(P) : null,
    sortino: n > 0 && downside > 0 ? (mean(r) * Math.sqrt(P)) / downside : null,
    max_drawdown: maxDd,
    calmar: cagr !== null && maxDd ? cagr / maxDd : null,
    hit_rate: n > 0 ? r.filter((x) => x > 0).length / n : null,
    turnover: n > 0 ? mean(periods.map((p) => p.turnover)) : null,
    precision_at_k: perK((p) => p.precisionAtK),
    recall_at_k: perK((p) => p.recallAtK),
    ndcg_at_k: perK((p) => p.ndcgAtK),
    rank_ic: ics.length > 0 ? mean(ics) : null,
    ic_ir: ics.length > 1 && stdev(ics) > 0 ? mean(ics) / stdev(ics) : null,
    periods: n,
    unlabeled_positions: periods.reduce((s, p) => s + p.unlabeled, 0),
  };
}
