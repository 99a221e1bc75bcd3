import type { PortfolioMark } from '../../schemas/index.ts';

/** 2026-01-05T14:00:00Z: a Monday afternoon, far from a UTC day boundary. */
export const PATH_START = Date.UTC(2026, 0, 5, 14, 0, 0);

/**
 * One mark a minute for 30 minutes: a climb to a peak at minute 10, a fall to 8% below it (the
 * trailing-hour drawdown crosses 5% at minute 13: one `firing` alert), a recovery to 3% below it at
 * minute 17 (under the 4% clear threshold: one `resolved` alert), then flat. The daily drawdown stays
 * under 10%: no daily alert.
 */
export function crashAndRecovery(
  portfolio: string,
  env: PortfolioMark['env'] = 'prod',
  start = PATH_START,
): PortfolioMark[] {
  const peak = 1_000_000;
  const factors = [
    0.9, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99, 1, 0.98, 0.955, 0.93, 0.92, 0.94, 0.955, 0.97,
  ];
  while (factors.length < 30) factors.push(0.97);
  return factors.map((f, minute) => ({
    portfolio,
    env,
    ts: start + minute * 60_000,
    equity: Math.round(peak * f * 100) / 100,
    cash: null,
  }));
}
