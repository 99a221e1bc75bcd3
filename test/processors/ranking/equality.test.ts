/**
 * The rolling stage and the join against their former implementations (legacy/, kept as the reference)
 * over seeded random streams: every output, rejection, timer and state must be the same, numbers to the
 * last bit (-0 included). The rolling stage's means are now sums kept by series and extended by one
 * value when only a value was added (rolling-series.ts); the join keeps the least as_of and first-seen
 * time of its groups rather than walking them per record.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.ts';
import {
  compileRankingOptions,
  createRankingProcessor,
  createRankingRollingProcessor,
  type RankingSettings,
} from '../../../processors/ranking/index.ts';
import type { InferenceCycle, Metric, Outcome } from '../../../schemas/index.ts';
import { VirtualRunner, type Fed, type Output } from '../../../runtime/processor/index.ts';
import { seededRandom } from '../drawdown/helpers.ts';
import { DAY, HOUR, T0, cycle, outcome, watermark } from './fixtures.ts';
import { createRankingProcessor as createLegacyRankingProcessor } from './legacy/ranking-processor.ts';
import { createRankingRollingProcessor as createLegacyRollingProcessor } from './legacy/rolling-processor.ts';

const bits = new DataView(new ArrayBuffer(8));

/** JSON with every number as its IEEE-754 bits, so that equal text means bit-for-bit equal numbers. */
function exact(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'number') return v;
    bits.setFloat64(0, v);
    return `f64:${bits.getBigUint64(0).toString(16)}`;
  });
}

const fedOf = (fed: Fed): string => exact({ outputs: fed.outputs, rejected: fed.rejected, late: fed.late });

/** Runs `steps` against the former and the current processor and expects the same at every step. */
interface Pair<In> {
  readonly legacy: VirtualRunner<In, unknown>;
  readonly current: VirtualRunner<In, unknown>;
}

const ROLLING_TOPIC = 'ranking.scores';
const JOIN_TOPIC = 'ranking.by-as-of';

interface RollingCase {
  readonly seed: number;
  readonly settings: RankingSettings;
  /** Event time between two cycles of a key: at most this. */
  readonly maxGapMs: number;
  /** How often two successive cycles of a key share their ts (ties, ordered by cycle id). */
  readonly ties: number;
  readonly cycles: number;
  /** The current runner round-trips states through JSON (as tests do) rather than keeping them (live). */
  readonly roundTrip: boolean;
}

/** The scores of a random stream: cycles of a few keys, shuffled a little, with repeats, late and invalid scores. */
function rollingStream(c: RollingCase): Metric[] {
  const random = seededRandom(c.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const keys = ['momentum|prod', 'momentum|paper', 'carry|prod'].map((key) => ({ key, ts: T0 }));
  const ks = [1, 5, 10];
  const scores: Metric[] = [];
  for (let n = 0; n < c.cycles; n++) {
    const key = pick(keys);
    if (random() >= c.ties) key.ts += Math.floor(random() * c.maxGapMs);
    // Now and then a cycle well in the past (within or beyond the grace).
    const ts = random() < 0.05 ? key.ts - Math.floor(random() * 4 * DAY) : key.ts;
    const [strategy, env] = key.key.split('|') as [string, string];
    const id = `c${Math.floor(random() * 1e6).toString(36)}`;
    const labels = { strategy, env, cycle_id: id };
    const of = (name: string, value: number, k?: number): Metric => ({
      name,
      labels: k === undefined ? labels : { ...labels, k: String(k) },
      value,
      ts,
    });
    const cycleScores: Metric[] = [];
    const roll = random();
    if (roll < 0.1) cycleScores.push(of('ranking_cycle_unlabeled', 1));
    else if (roll < 0.15) cycleScores.push(of('ranking_cycle_failed', 1));
    else {
      for (const k of ks) {
        const hits = Math.floor(random() * (k + 1));
        const relevant = k + Math.floor(random() * 3);
        cycleScores.push(of('precision_at_k', hits / k, k));
        cycleScores.push(of('recall_at_k', hits / relevant, k));
        cycleScores.push(of('hit_at_k', hits > 0 ? 1 : 0, k));
        cycleScores.push(of('ndcg_at_k', random(), k));
      }
      cycleScores.push(of('rank_ic', random() < 0.05 ? -0 : 2 * random() - 1));
    }
    // A few of a cycle's scores swap places with the next one.
    for (let i = 0; i + 1 < cycleScores.length; i++) {
      if (random() < 0.2) [cycleScores[i], cycleScores[i + 1]] = [cycleScores[i + 1]!, cycleScores[i]!];
    }
    scores.push(...cycleScores);
    // A repeat of a recent score, with another value (a restatement) or the same (a replay).
    if (random() < 0.1 && scores.length > 0) {
      const again = scores[Math.max(0, scores.length - 1 - Math.floor(random() * 60))]!;
      scores.push({ ...again, value: random() < 0.5 ? again.value : random() });
    }
    if (random() < 0.01) scores.push(of('precision_at_k', Number.NaN, 5));
  }
  return scores;
}

function runRolling(c: RollingCase): { steps: number; late: number; restarts: number } {
  const options = compileRankingOptions(c.settings);
  const pair: Pair<Metric> = {
    legacy: new VirtualRunner<Metric, unknown>(createLegacyRollingProcessor(options), {
      roundTrip: false,
    }),
    current: new VirtualRunner<Metric, unknown>(createRankingRollingProcessor(options), {
      roundTrip: c.roundTrip,
    }),
  };
  const random = seededRandom(c.seed + 1);
  let late = 0;
  let restarts = 0;
  const stream = rollingStream(c);
  stream.forEach((score, i) => {
    const key = `${score.labels['strategy']}|${score.labels['env']}`;
    const legacy = pair.legacy.feed(ROLLING_TOPIC, score, { key });
    const current = pair.current.feed(ROLLING_TOPIC, score, { key });
    expect(fedOf(current), `score ${i}: ${JSON.stringify(score)}`).toBe(fedOf(legacy));
    if (legacy.rejected !== null) late++;
    // A restart from the changelog now and then: the current processor meets restored states.
    if (random() < 0.01) {
      pair.current.commit();
      pair.current.crash();
      pair.legacy.commit();
      pair.legacy.crash();
      restarts++;
    }
  });
  for (const key of ['momentum|prod', 'momentum|paper', 'carry|prod']) {
    expect(exact(pair.current.state(ROLLING_TOPIC, key))).toBe(exact(pair.legacy.state(ROLLING_TOPIC, key)));
  }
  return { steps: stream.length, late, restarts };
}

describe('ranking-rolling against its former implementation', () => {
  const cases: RollingCase[] = [];
  for (let seed = 1; seed <= 6; seed++) {
    // Windows the stream slides through many times (small windows, hour gaps), and ties.
    cases.push({
      seed,
      settings: { rollingWindowsMs: [3 * HOUR, 10 * HOUR], rollingGraceMs: 2 * HOUR },
      maxGapMs: HOUR,
      ties: 0.05,
      cycles: 1500,
      roundTrip: seed % 2 === 0,
    });
    // The default windows (7 and 30 days) and grace, cycles hours apart.
    cases.push({
      seed: 100 + seed,
      settings: {},
      maxGapMs: 8 * HOUR,
      ties: 0.05,
      cycles: seed % 3 === 0 ? 300 : 1000,
      roundTrip: seed % 3 === 0,
    });
    // Many cycles at the same few times (ties ordered by cycle id), one window.
    cases.push({
      seed: 200 + seed,
      settings: { rollingWindowsMs: [2 * HOUR], rollingGraceMs: HOUR },
      maxGapMs: 20 * 60_000,
      ties: 0.6,
      cycles: 800,
      roundTrip: false,
    });
  }
  it.each(cases)('seed $seed, windows $settings.rollingWindowsMs, round trip $roundTrip', (c) => {
    const { steps, late } = runRolling(c);
    // The stream did exercise what it is meant to: many scores, some late or invalid.
    expect(steps).toBeGreaterThan(c.cycles);
    expect(late).toBeGreaterThan(0);
  });
});

type JoinIn = InferenceCycle | Outcome | Metric;

interface JoinCase {
  readonly seed: number;
  readonly settings: RankingSettings;
  readonly steps: number;
  readonly roundTrip: boolean;
}

function runJoin(c: JoinCase): { scored: number; timers: number } {
  const options = compileRankingOptions({ ks: [1, 2, 3], ...c.settings });
  const legacyClock = new ManualClock(T0);
  const currentClock = new ManualClock(T0);
  const pair: Pair<JoinIn> = {
    legacy: new VirtualRunner<JoinIn, unknown>(createLegacyRankingProcessor(options), {
      clock: legacyClock,
      roundTrip: false,
    }),
    current: new VirtualRunner<JoinIn, unknown>(createRankingProcessor(options), {
      clock: currentClock,
      roundTrip: c.roundTrip,
    }),
  };
  const random = seededRandom(c.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const assets = ['A', 'B', 'C', 'D', 'E', 'F'];
  const horizons = [HOUR, 4 * HOUR];
  let asOf = T0;
  let scored = 0;
  let timers = 0;
  const same = (legacy: Output[], current: Output[], what: string): void => {
    expect(exact(current), what).toBe(exact(legacy));
    scored += legacy.filter((o) => o.kind === 'row').length;
  };
  for (let step = 0; step < c.steps; step++) {
    const roll = random();
    const partition = Math.floor(random() * 2);
    const horizon = pick(horizons);
    // As_of's around the current one: most recent, some older (late once scored).
    const at = asOf - Math.floor(random() * 6) * HOUR;
    let record: JoinIn;
    let type: 'InferenceCycle' | 'Outcome' | 'Metric';
    if (roll < 0.3) {
      const ranked = [...assets].sort(() => random() - 0.5).slice(0, 1 + Math.floor(random() * 5));
      record = cycle(`c${step}`, at, ranked, {
        horizon_ms: horizon,
        strategy: pick(['momentum', 'carry']),
        ...(random() < 0.1 ? { status: 'failure' as const, error: 'boom' } : {}),
      });
      type = 'InferenceCycle';
    } else if (roll < 0.8) {
      record = outcome(pick(assets), at, 0.1 * random() - 0.05, horizon);
      type = 'Outcome';
    } else {
      const of = Math.floor(random() * 3);
      record = watermark(at, horizon, random() < 0.1 ? undefined : { partition: of, partitions: 3 });
      type = 'Metric';
    }
    const legacy = pair.legacy.feed(JOIN_TOPIC, record, { type, partition });
    const current = pair.current.feed(JOIN_TOPIC, record, { type, partition });
    expect(fedOf(current), `step ${step}`).toBe(fedOf(legacy));
    scored += legacy.outputs.filter((o) => o.kind === 'row').length;
    expect(exact([...pair.current.timers()])).toBe(exact([...pair.legacy.timers()]));
    if (random() < 0.15) asOf += HOUR;
    // The wall clock moves on; now and then far enough for deadlines to fire.
    if (random() < 0.2) {
      const to = legacyClock.now() + Math.floor(random() * (random() < 0.1 ? 2 * DAY : HOUR));
      same(pair.legacy.advanceTo(to), pair.current.advanceTo(to), `timers at step ${step}`);
      timers++;
    }
    if (random() < 0.02) {
      pair.current.commit();
      pair.current.crash();
      pair.legacy.commit();
      pair.legacy.crash();
    }
  }
  for (const horizon of horizons) {
    for (const partition of [0, 1]) {
      const key = `${horizon}|p${partition}`;
      expect(exact(pair.current.state(JOIN_TOPIC, key, partition))).toBe(
        exact(pair.legacy.state(JOIN_TOPIC, key, partition)),
      );
    }
  }
  return { scored, timers };
}

describe('ranking (the join) against its former implementation', () => {
  const cases: JoinCase[] = [];
  for (let seed = 1; seed <= 5; seed++) {
    cases.push({ seed, settings: {}, steps: 1500, roundTrip: seed % 2 === 0 });
    cases.push({
      seed: 50 + seed,
      settings: { labelDelayMs: HOUR, deadlineMs: 3 * HOUR },
      steps: 1500,
      roundTrip: false,
    });
    cases.push({ seed: 90 + seed, settings: { deadlineMs: null }, steps: 800, roundTrip: seed % 2 === 1 });
  }
  it.each(cases)('seed $seed, settings $settings, round trip $roundTrip', (c) => {
    const { scored, timers } = runJoin(c);
    expect(scored).toBeGreaterThan(0);
    expect(timers).toBeGreaterThan(0);
  });
});
