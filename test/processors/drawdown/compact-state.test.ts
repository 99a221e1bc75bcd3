/**
 * The compact state against the processor it replaced (test/processors/drawdown/legacy/, the code as it
 * was): over seeded random walks with crashes, gaps of hours, UTC midnights, ties, marks out of order
 * within and beyond the grace period, replays, restatements and invalid marks, every output of every
 * record is the same bit for bit, also when the compact state goes through the changelog encoding
 * (a restart) every few records; and a state the previous version wrote (binary or JSON) restores into
 * the same outputs as if the previous version had gone on.
 */
import { describe, expect, it } from 'vitest';
import { isRejection, type Output } from '../../../processors/contract.ts';
import { createDrawdownProcessor, type DrawdownState } from '../../../processors/drawdown/index.ts';
import { newestTs, retainedCount, settledCount } from '../../../processors/drawdown/env-window.ts';
import { isLegacyEnvWindow } from '../../../processors/drawdown/legacy-state.ts';
import { decodeState, encodeState } from '../../../runtime/processor/state-codec.ts';
import type { Environment, PortfolioMark } from '../../../schemas/index.ts';
import { HOUR, MINUTE, seededRandom, StreamRunner, type Result } from './helpers.ts';
import { createLegacyDrawdownProcessor } from './legacy/drawdown-processor.ts';

interface WalkOptions {
  seed: number;
  count: number;
  windowMs: number;
  graceMs: number;
  /** Usual spacing of one series' marks. */
  spacingMs: number;
  /** Equities are rounded to this (a coarse tick gives many equal values). */
  tick: number;
  /** If set, every ts is a multiple of it: marks fall exactly on window and grace edges. */
  gridMs?: number;
}

/** Random walks of a few series, interleaved, starting 40 minutes before a UTC midnight. */
function randomWalks(o: WalkOptions): PortfolioMark[] {
  const random = seededRandom(o.seed);
  const series = ['alpha', 'beta'].flatMap((portfolio) =>
    (['prod', 'paper'] as Environment[]).map((env) => ({
      portfolio,
      env,
      newest: Date.UTC(2024, 2, 9, 23, 20) + Math.floor(random() * 5 * MINUTE),
      equity: 1000 + Math.floor(random() * 100),
    })),
  );
  const stream: PortfolioMark[] = [];
  while (stream.length < o.count) {
    const s = series[Math.floor(random() * series.length)]!;
    const roll = random();
    if (roll < 0.04 && stream.length > 0) {
      stream.push({ ...stream[Math.max(0, stream.length - 1 - Math.floor(random() * 40))]! }); // a replay
      continue;
    }
    let ts: number;
    if (roll < 0.12)
      ts = s.newest - Math.floor(random() * o.graceMs * 1.5); // out of order; some late
    else if (roll < 0.14)
      ts = s.newest - o.graceMs - (random() < 0.5 ? 0 : 1); // exactly at the edge
    else if (roll < 0.16)
      ts = s.newest; // a restatement of the newest
    else if (roll < 0.17)
      ts = s.newest + Math.floor(random() * 5 * HOUR); // a gap, over a midnight at times
    else ts = s.newest + 1 + Math.floor(random() * 2 * o.spacingMs);
    if (o.gridMs !== undefined) ts = Math.round(ts / o.gridMs) * o.gridMs;
    s.newest = Math.max(s.newest, ts);
    const crash = random() < 0.01 ? 1 - (0.04 + 0.08 * random()) : 1;
    const step = crash * (1 + (random() - 0.5) * 0.01);
    s.equity = Math.max(o.tick, Math.round((s.equity * step) / o.tick) * o.tick);
    const equity = random() < 0.005 ? [0, -1, Number.NaN][Math.floor(random() * 3)]! : s.equity;
    stream.push({ portfolio: s.portfolio, env: s.env, ts, equity, cash: random() < 0.5 ? null : 10 });
  }
  return stream;
}

/** Every number as the hex of its 64 bits, so that equality is bit for bit (0 and -0, NaN payloads). */
function bits(value: unknown): unknown {
  if (typeof value === 'number') {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, value);
    return `f64:${view.getBigUint64(0).toString(16)}`;
  }
  if (Array.isArray(value)) return value.map(bits);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bits(v)]));
  }
  return value;
}

const HINT = ' (it repeats a mark already folded in, e.g. a replay)';

/**
 * Compares two results: outputs bit for bit; a rejection by its text, except that the compact state may
 * not know that a late mark repeats a settled mark it no longer keeps (it never claims one it does not).
 */
function expectSame(compact: Result, legacy: Result, what: string): 'hint dropped' | 'hint' | 'same' {
  if (!isRejection(legacy)) {
    expect(isRejection(compact), what).toBe(false);
    expect(bits((compact as { outputs: Output[] }).outputs), what).toEqual(bits(legacy.outputs));
    return 'same';
  }
  expect(isRejection(compact), what).toBe(true);
  const text = (compact as { reject: string }).reject;
  if (text === legacy.reject) return text.endsWith(HINT) ? 'hint' : 'same';
  expect(`${text}${HINT}`, what).toBe(legacy.reject);
  return 'hint dropped';
}

/** Replaces every state by what the changelog restores: its binary encoding, decoded. */
function restart(run: StreamRunner): void {
  for (const [key, state] of run.states)
    run.states.set(key, decodeState(encodeState(state)) as DrawdownState);
}

function compare(o: WalkOptions & { restartEvery: number }): {
  hints: number;
  hintsDropped: number;
  accepted: number;
} {
  const stream = randomWalks(o);
  const options = { windowMs: o.windowMs, graceMs: o.graceMs };
  const compact = new StreamRunner(createDrawdownProcessor(options));
  const legacy = new StreamRunner(createLegacyDrawdownProcessor(options));
  let hints = 0;
  let hintsDropped = 0;
  let accepted = 0;
  stream.forEach((record, i) => {
    const result = compact.process(record);
    const outcome = expectSame(result, legacy.process(record), `#${i} ${JSON.stringify(record)}`);
    if (outcome === 'hint dropped') hintsDropped += 1;
    if (outcome === 'hint') hints += 1;
    if (!isRejection(result)) accepted += 1;
    if (i % o.restartEvery === o.restartEvery - 1) restart(compact);
  });
  // The compact state keeps as they are only the marks of the grace period.
  for (const state of compact.states.values()) {
    for (const env of Object.values(state.envs)) {
      if (isLegacyEnvWindow(env)) throw new Error('the compact processor wrote an earlier state');
      const newest = newestTs(env)!;
      expect(env.ts.every((ts) => ts >= newest - o.graceMs)).toBe(true);
      expect(retainedCount(env) + settledCount(env)).toBeGreaterThan(0);
    }
  }
  return { hints, hintsDropped, accepted };
}

describe('the compact drawdown state against the processor it replaced', () => {
  it.each([
    { seed: 11, windowMs: HOUR, graceMs: 5 * MINUTE, spacingMs: 10_000, tick: 0.01, restartEvery: 1000 },
    { seed: 12, windowMs: HOUR, graceMs: 5 * MINUTE, spacingMs: 30_000, tick: 5, restartEvery: 13 },
    { seed: 13, windowMs: 10 * MINUTE, graceMs: 2 * MINUTE, spacingMs: 15_000, tick: 1, restartEvery: 7 },
    { seed: 14, windowMs: 2 * MINUTE, graceMs: 5 * MINUTE, spacingMs: 10_000, tick: 1, restartEvery: 29 },
    { seed: 15, windowMs: 20 * MINUTE, graceMs: 0, spacingMs: 20_000, tick: 0.5, restartEvery: 3 },
    {
      seed: 17,
      windowMs: 10 * MINUTE,
      graceMs: MINUTE,
      spacingMs: 10_000,
      tick: 1,
      restartEvery: 11,
      gridMs: 10_000,
    },
  ])(
    'gives the same outputs bit for bit over 6000 records ($windowMs ms window, $graceMs ms grace, tick $tick, restart every $restartEvery)',
    (o) => {
      const { accepted } = compare({ ...o, count: 6000 });
      expect(accepted).toBeGreaterThan(4000);
    },
  );

  it('keeps, to the millisecond, what a mark exactly graceMs late needs', () => {
    const options = { windowMs: 10 * MINUTE, graceMs: 5 * MINUTE };
    const t0 = Date.UTC(2024, 0, 15, 10);
    const mark = (ts: number, equity: number): PortfolioMark => ({
      portfolio: 'p',
      env: 'prod',
      ts,
      equity,
      cash: null,
    });
    // The newest at t0 + 15 min settles what is older than t0 + 10 min; a mark at exactly t0 + 10 min
    // (graceMs late) sees (t0, t0 + 10 min]: the 300 at t0 is out, the 200 at t0 + 1 ms is in.
    const stream = [
      mark(t0, 300),
      mark(t0 + 1, 200),
      mark(t0 + 2, 150),
      mark(t0 + 5 * MINUTE, 120),
      mark(t0 + 15 * MINUTE, 100),
      mark(t0 + 10 * MINUTE, 110),
      mark(t0 + 10 * MINUTE + 1, 90),
      mark(t0 + 10 * MINUTE - 1, 95), // late by 1 ms
    ];
    const compact = new StreamRunner(createDrawdownProcessor(options)).run(stream);
    const legacy = new StreamRunner(createLegacyDrawdownProcessor(options)).run(stream);
    compact.forEach((result, i) => expectSame(result, legacy[i]!, `#${i}`));
    expect(isRejection(compact[7]!)).toBe(true);
    const row = (compact[5] as { outputs: Output[] }).outputs.find(
      (o) => o.kind === 'row' && o.row.table === 'drawdown',
    );
    expect(row?.kind === 'row' && row.row.columns).toMatchObject({
      peak_1h: 200,
      max_drawdown_1h: 1 - 110 / 200,
    });
  });

  it('says a late mark repeats one folded in only when it does', () => {
    // The hint needs the mark itself; the compact state keeps the candidate peaks of its settled
    // marks, not every one, so it gives the hint for fewer late replays, never for another mark.
    const { hints } = compare({
      seed: 16,
      count: 3000,
      windowMs: HOUR,
      graceMs: MINUTE,
      spacingMs: 10_000,
      tick: 0.01,
      restartEvery: 100,
    });
    expect(hints).toBeGreaterThan(0);
  });
});

describe('a state written by the previous version', () => {
  it('restores (binary or JSON) into the outputs the previous version would have given', () => {
    const o = { seed: 21, count: 3000, windowMs: HOUR, graceMs: 5 * MINUTE, spacingMs: 10_000, tick: 0.01 };
    const stream = randomWalks(o);
    const options = { windowMs: o.windowMs, graceMs: o.graceMs };
    const legacy = new StreamRunner(createLegacyDrawdownProcessor(options));
    const expected = legacy.run(stream);
    for (const cut of [1, 50, 777, 2999]) {
      for (const format of ['binary', 'json'] as const) {
        const before = new StreamRunner(createLegacyDrawdownProcessor(options));
        before.run(stream.slice(0, cut));
        const after = new StreamRunner(createDrawdownProcessor(options));
        for (const [key, state] of before.states) {
          const bytes = format === 'binary' ? encodeState(state) : Buffer.from(JSON.stringify(state), 'utf8');
          after.states.set(key, decodeState(bytes) as DrawdownState);
        }
        stream.slice(cut).forEach((record, i) => {
          expectSame(after.process(record), expected[cut + i]!, `cut ${cut} ${format} #${cut + i}`);
        });
      }
    }
  });

  it('converts an environment at its next mark and leaves the state as it was on a rejection', () => {
    const options = { windowMs: HOUR, graceMs: 5 * MINUTE };
    const legacy = new StreamRunner(createLegacyDrawdownProcessor(options));
    const t0 = Date.UTC(2024, 0, 15, 10);
    legacy.run([
      { portfolio: 'p', env: 'prod', ts: t0, equity: 100, cash: null },
      { portfolio: 'p', env: 'paper', ts: t0, equity: 50, cash: null },
      { portfolio: 'p', env: 'prod', ts: t0 + 10 * MINUTE, equity: 90, cash: null },
    ]);
    const compact = new StreamRunner(createDrawdownProcessor(options));
    const written = JSON.parse(JSON.stringify(legacy.states.get('p'))) as DrawdownState;
    compact.states.set('p', written);
    // Late: rejected, the state stays in the earlier format (StreamRunner checks it is unchanged).
    const late = compact.process({ portfolio: 'p', env: 'prod', ts: t0, equity: 100, cash: null });
    expect(isRejection(late) && late.reject).toContain('repeats a mark already folded in');
    expect(isLegacyEnvWindow(compact.states.get('p')!.envs.prod!)).toBe(true);
    compact.process({ portfolio: 'p', env: 'prod', ts: t0 + 11 * MINUTE, equity: 95, cash: null });
    const state = compact.states.get('p')!;
    expect(isLegacyEnvWindow(state.envs.prod!)).toBe(false);
    expect(isLegacyEnvWindow(state.envs.paper!)).toBe(true); // untouched until its own next mark
  });
});
