/**
 * The marks the benchmark produces. Both generators are deterministic (seeded) so that two runs feed
 * the pipeline the same work.
 */
import type { PortfolioMark } from '../schemas/index.ts';
import { seededRandom } from './random.ts';

/** The portfolio names of a run: unique per run, so that its QuestDB rows can be told apart. */
export function portfolioNames(runId: string, count: number): string[] {
  return Array.from({ length: count }, (_, n) => `bench-${runId}-${n}`);
}

export interface HistoryOptions {
  /** How many marks in all (spread evenly over the portfolios). */
  readonly marks: number;
  readonly portfolios: readonly string[];
  /** Event time of the first round of marks, epoch ms. */
  readonly startTs: number;
  /** Event time between two marks of one portfolio. Default 10 000 ms. */
  readonly spacingMs?: number;
  /** Seed of the random walk. Default 1. */
  readonly seed?: number;
}

/**
 * A history of marks in event-time order, env prod: round after round, each portfolio marked once a
 * round (`spacingMs` apart, staggered by a few ms within the round). Each equity is a geometric random
 * walk (0.1% per mark) with, now and then (one mark in 2 000), a crash of 4% to 12% that the walk then
 * climbs back from (a 0.05% upward drift for a while) — so drawdowns and their alerts do happen.
 */
export function* markHistory(options: HistoryOptions): Generator<PortfolioMark> {
  const { portfolios } = options;
  const spacingMs = options.spacingMs ?? 10_000;
  const random = seededRandom(options.seed ?? 1);
  const equity = portfolios.map(() => 1_000_000 * (0.5 + random.next()));
  const recovering = portfolios.map(() => 0);
  const stagger = Math.max(1, Math.floor(spacingMs / Math.max(1, portfolios.length)));
  for (let n = 0, round = 0; n < options.marks; round += 1) {
    for (let p = 0; p < portfolios.length && n < options.marks; p += 1, n += 1) {
      let value = equity[p] as number;
      if (random.next() < 1 / 2000) {
        value *= 1 - (0.04 + 0.08 * random.next());
        recovering[p] = 200;
      }
      const drift = (recovering[p] as number) > 0 ? 0.0005 : 0;
      recovering[p] = Math.max(0, (recovering[p] as number) - 1);
      value *= Math.exp(drift + 0.001 * random.normal());
      equity[p] = value;
      yield {
        portfolio: portfolios[p] as string,
        env: 'prod',
        ts: options.startTs + round * spacingMs + p * stagger,
        equity: Math.round(value * 100) / 100,
        cash: null,
      };
    }
  }
}

export interface OscillationOptions {
  readonly portfolios: readonly string[];
  /** Marks of one portfolio per crash-and-recovery cycle. Default 10. */
  readonly cycle?: number;
  readonly seed?: number;
}

/**
 * Marks for the latency run, one portfolio after the other (round robin), event time = the wall time
 * given: each portfolio sits near 1 000 000 (±0.3%) and, once every `cycle` of its marks, drops to
 * 940 000 (a 6% drawdown from its trailing-hour peak: `portfolio_drawdown_1h` fires) and comes back on
 * the next mark (drawdown under the 4% clear level: it resolves). So every cycle of each portfolio gives
 * one firing and one resolved alert, triggered by a known mark. Staggered phases spread the alerts
 * evenly over time.
 */
export function oscillatingMarks(options: OscillationOptions): (ts: number) => PortfolioMark {
  const { portfolios } = options;
  const cycle = options.cycle ?? 10;
  const random = seededRandom(options.seed ?? 2);
  const count = portfolios.map(() => 0);
  const lastTs = portfolios.map(() => 0);
  let next = 0;
  return (ts) => {
    const p = next;
    next = (next + 1) % portfolios.length;
    const step = (count[p] as number) + p;
    count[p] = (count[p] as number) + 1;
    // Event time must move forward per portfolio: two marks in one millisecond get consecutive ms.
    const markTs = Math.max(ts, (lastTs[p] as number) + 1);
    lastTs[p] = markTs;
    const crashed = step % cycle === cycle - 1;
    const equity = crashed ? 940_000 : 1_000_000 * (1 + 0.003 * (2 * random.next() - 1));
    return {
      portfolio: portfolios[p] as string,
      env: 'prod',
      ts: markTs,
      equity: Math.round(equity * 100) / 100,
      cash: null,
    };
  };
}
