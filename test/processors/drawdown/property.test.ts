/**
 * The processor against its brute-force reference over a few thousand random marks: several portfolios
 * and environments, random spacing across UTC midnights, ties, marks out of order within and beyond the
 * grace period, replays, restatements and invalid marks. Seeded, so every run sees the same stream.
 */
import { describe, expect, it } from 'vitest';
import { isRejection } from '../../../processors/contract.ts';
import type { Environment, PortfolioMark } from '../../../schemas/index.ts';
import { createDrawdownProcessor } from '../../../processors/drawdown/index.ts';
import { newestTs, retainedCount } from '../../../processors/drawdown/env-window.ts';
import { isLateRejection } from '../../../processors/drawdown/late.ts';
import { isLegacyEnvWindow } from '../../../processors/drawdown/legacy-state.ts';
import { expectedOutputs, MINUTE, ReferenceDrawdown, seededRandom, StreamRunner } from './helpers.ts';

interface StreamOptions {
  seed: number;
  count: number;
  graceMs: number;
  /** Largest gap between consecutive marks of one series. */
  maxGapMs: number;
}

function randomStream(options: StreamOptions): PortfolioMark[] {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const series = ['alpha', 'beta', 'gamma'].flatMap((portfolio) =>
    (['prod', 'paper'] as Environment[]).map((env) => ({
      portfolio,
      env,
      newest: Date.UTC(2024, 2, 9, 22, 30) + Math.floor(random() * 10 * MINUTE),
      equity: 1000,
    })),
  );
  const stream: PortfolioMark[] = [];
  while (stream.length < options.count) {
    const s = pick(series);
    const roll = random();
    if (roll < 0.05 && stream.length > 0) {
      // A replay of a recent record (any series).
      stream.push({
        ...(stream[Math.max(0, stream.length - 1 - Math.floor(random() * 20))] as PortfolioMark),
      });
      continue;
    }
    let ts: number;
    if (roll < 0.15) {
      ts = s.newest - Math.floor(random() * options.graceMs * 1.3); // out of order, sometimes late
    } else if (roll < 0.17) {
      ts = s.newest; // a restatement of the newest mark (usually another equity)
    } else if (roll < 0.18) {
      ts = s.newest + Math.floor(random() * 3 * 60 * MINUTE); // a gap of up to 3 hours
    } else {
      ts = s.newest + 1 + Math.floor(random() * options.maxGapMs);
    }
    s.newest = Math.max(s.newest, ts);
    // Two decimals so that equal equities (ties) happen.
    s.equity = Math.max(1, Math.round(s.equity * (1 + (random() - 0.5) * 0.02) * 100) / 100);
    const equity = random() < 0.005 ? pick([0, -1, Number.NaN]) : s.equity;
    stream.push({ portfolio: s.portfolio, env: s.env, ts, equity, cash: random() < 0.5 ? null : 10 });
  }
  return stream;
}

function checkAgainstReference(options: StreamOptions & { windowMs: number; roundTripEvery?: number }): void {
  const stream = randomStream(options);
  const run = new StreamRunner(
    createDrawdownProcessor({ windowMs: options.windowMs, graceMs: options.graceMs }),
  );
  const reference = new ReferenceDrawdown(options);
  const tally = { accepted: 0, late: 0, invalid: 0 };
  stream.forEach((record, i) => {
    const result = run.process(record);
    const expected = reference.process(record);
    if (expected === 'late' || expected === 'invalid') {
      tally[expected] += 1;
      expect(isRejection(result) && isLateRejection(result) === (expected === 'late'), `#${i}`).toBe(true);
    } else {
      tally.accepted += 1;
      expect(result, `#${i} ${JSON.stringify(record)}`).toEqual({
        outputs: expectedOutputs(record, expected),
      });
    }
    if (options.roundTripEvery !== undefined && i % options.roundTripEvery === 0) run.roundTripStates();
  });

  // Every kind of record happened, and the state stayed bounded and consistent.
  expect(tally.late).toBeGreaterThan(0);
  expect(tally.invalid).toBeGreaterThan(0);
  for (const state of run.states.values()) {
    for (const env of Object.values(state.envs)) {
      if (isLegacyEnvWindow(env)) throw new Error('a state in the earlier format was written');
      const newest = newestTs(env) as number;
      const horizon = newest - options.windowMs - options.graceMs;
      // Marks kept as they are: those of the grace period only; settled steps: between the two bounds.
      expect(env.ts.filter((ts) => ts < newest - options.graceMs)).toEqual([]);
      expect(retainedCount(env)).toBe(env.ts.length);
      expect(env.settled.ts.filter((ts) => ts <= horizon || ts >= newest - options.graceMs)).toEqual([]);
    }
  }
}

describe('drawdown processor against a brute-force reference', () => {
  it('matches over 4000 random marks with a short window (many expiries), bit for bit', () => {
    checkAgainstReference({
      seed: 1,
      count: 4000,
      windowMs: 10 * MINUTE,
      graceMs: 2 * MINUTE,
      maxGapMs: 30_000,
    });
  });

  it('matches over 4000 random marks with the defaults (one hour, five minutes of grace)', () => {
    checkAgainstReference({
      seed: 2,
      count: 4000,
      windowMs: 60 * MINUTE,
      graceMs: 5 * MINUTE,
      maxGapMs: 60_000,
    });
  });

  it('matches when the grace period is longer than the window', () => {
    checkAgainstReference({
      seed: 3,
      count: 3000,
      windowMs: 2 * MINUTE,
      graceMs: 5 * MINUTE,
      maxGapMs: 20_000,
    });
  });

  it('matches with the state restored from JSON every few records', () => {
    checkAgainstReference({
      seed: 4,
      count: 3000,
      windowMs: 10 * MINUTE,
      graceMs: 2 * MINUTE,
      maxGapMs: 30_000,
      roundTripEvery: 7,
    });
  });
});
