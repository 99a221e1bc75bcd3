/**
 * Helpers for the drawdown tests: a collecting context on a manual clock, a stream runner that keeps
 * per-key state like the runtime does, a seeded PRNG and a brute-force reference of the processor.
 */
import { ManualClock, type Clock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/logger.ts';
import {
  inMemorySource,
  isRejection,
  type Output,
  type ProcessContext,
  type Processor,
  type Rejection,
} from '../../../processors/contract.ts';
import type { Environment, PortfolioMark } from '../../../schemas/index.ts';
import type { DrawdownState } from '../../../processors/drawdown/index.ts';

/** Where the marks of these tests come from (partition 0 of portfolio.marks). */
const MARKS_SOURCE = inMemorySource({ topic: 'portfolio.marks', type: 'PortfolioMark' });

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
/** 2024-01-15T10:00:00Z */
export const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);

/** A context whose emit collects, on a manual clock (or the given clock), with a silent logger. */
export function collectingContext(clock: Clock = new ManualClock(T0)): {
  context: ProcessContext;
  outputs: Output[];
} {
  const outputs: Output[] = [];
  return {
    outputs,
    context: {
      clock,
      logger: silentLogger(),
      source: MARKS_SOURCE,
      emit: (output) => void outputs.push(output),
    },
  };
}

export function mark(
  ts: number,
  equity: number,
  portfolio = 'p1',
  env: Environment = 'prod',
  cash: number | null = null,
): PortfolioMark {
  return { portfolio, env, ts, equity, cash };
}

/** What processing one record gave: its outputs, or its rejection. */
export type Result = { readonly outputs: Output[] } | Rejection;

/**
 * Runs records through a processor the way the runtime does: state per key, initial state on a key's
 * first record, a rejection leaves the key's state as it was.
 */
export class StreamRunner {
  readonly states = new Map<string, DrawdownState>();
  readonly #processor: Processor<PortfolioMark, DrawdownState>;
  readonly #clock: Clock;

  constructor(processor: Processor<PortfolioMark, DrawdownState>, clock: Clock = new ManualClock(T0)) {
    this.#processor = processor;
    this.#clock = clock;
  }

  process(record: PortfolioMark): Result {
    const key = this.#processor.key(record, MARKS_SOURCE);
    const state = this.states.get(key) ?? this.#processor.initialState(key, record, MARKS_SOURCE);
    const before = JSON.stringify(state);
    const { context, outputs } = collectingContext(this.#clock);
    const next = this.#processor.process(record, state, context);
    if (isRejection(next)) {
      if (outputs.length > 0) throw new Error('a rejected record emitted outputs');
      if (JSON.stringify(state) !== before) throw new Error('a rejected record changed the state');
      return next;
    }
    this.states.set(key, next);
    return { outputs };
  }

  run(records: readonly PortfolioMark[]): Result[] {
    return records.map((r) => this.process(r));
  }

  /** Replaces every state by its JSON round trip, as a restore from the changelog does. */
  roundTripStates(): void {
    for (const [key, state] of this.states) {
      this.states.set(key, JSON.parse(JSON.stringify(state)) as DrawdownState);
    }
  }
}

/** The outputs of a result (throws on a rejection). */
export function outputsOf(result: Result | undefined): Output[] {
  if (result === undefined || isRejection(result)) {
    throw new Error(`expected outputs, got ${JSON.stringify(result)}`);
  }
  return result.outputs;
}

/** The metric values of an accepted record's outputs, by name. */
export function metricsOf(result: Result | undefined): Record<string, number> {
  const values: Record<string, number> = {};
  for (const output of outputsOf(result)) {
    if (output.kind === 'metric') values[output.metric.name] = output.metric.value;
  }
  return values;
}

/** The columns of the `drawdown` row of an accepted record's outputs. */
export function drawdownRowOf(result: Result | undefined): Record<string, unknown> {
  const row = outputsOf(result).find((o) => o.kind === 'row' && o.row.table === 'drawdown');
  if (row?.kind !== 'row') throw new Error('no drawdown row');
  return { ...row.row.columns };
}

/** mulberry32: a small seeded PRNG, deterministic across runs. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The figures a brute-force scan gives for a mark against the marks with ts <= its ts. */
export interface ReferenceFigures {
  peak1h: number;
  drawdown1h: number;
  maxDrawdown1h: number;
  peakDaily: number;
  drawdownDaily: number;
  maxDrawdownDaily: number;
}

/**
 * The processor's specification, written the slow and obvious way: every mark ever accepted is kept
 * (one per ts, last write wins) and each figure is a fresh O(n) scan.
 */
export class ReferenceDrawdown {
  readonly #series = new Map<string, Map<number, number>>();
  readonly #newest = new Map<string, number>();
  readonly #windowMs: number;
  readonly #graceMs: number;

  constructor(options: { windowMs: number; graceMs: number }) {
    this.#windowMs = options.windowMs;
    this.#graceMs = options.graceMs;
  }

  process(record: PortfolioMark): ReferenceFigures | 'invalid' | 'late' {
    if (!Number.isSafeInteger(record.ts) || !(record.equity > 0) || !Number.isFinite(record.equity)) {
      return 'invalid';
    }
    const id = `${record.portfolio}/${record.env}`;
    const newest = this.#newest.get(id);
    if (newest !== undefined && newest - record.ts > this.#graceMs) return 'late';
    const series = this.#series.get(id) ?? new Map<number, number>();
    this.#series.set(id, series);
    series.set(record.ts, record.equity);
    this.#newest.set(id, Math.max(newest ?? record.ts, record.ts));

    const sorted = [...series].filter(([ts]) => ts <= record.ts).sort((a, b) => a[0] - b[0]);
    const dayStart = Math.floor(record.ts / 86_400_000) * 86_400_000;
    const window = scan(sorted.filter(([ts]) => ts > record.ts - this.#windowMs).map(([, e]) => e));
    const daily = scan(sorted.filter(([ts]) => ts >= dayStart).map(([, e]) => e));
    return {
      peak1h: window.peak,
      drawdown1h: 1 - record.equity / window.peak,
      maxDrawdown1h: window.maxDrawdown,
      peakDaily: daily.peak,
      drawdownDaily: 1 - record.equity / daily.peak,
      maxDrawdownDaily: daily.maxDrawdown,
    };
  }
}

/** Peak and max drawdown (peak before trough) of values in time order. */
export function scan(values: readonly number[]): { peak: number; maxDrawdown: number } {
  let peak = 0;
  let maxDrawdown = 0;
  for (const value of values) {
    peak = Math.max(peak, value);
    maxDrawdown = Math.max(maxDrawdown, 1 - value / peak);
  }
  return { peak, maxDrawdown };
}

/** The outputs the processor must emit for an accepted mark with these figures. */
export function expectedOutputs(record: PortfolioMark, f: ReferenceFigures): Output[] {
  const { portfolio, env, ts, equity } = record;
  const labels = { portfolio, env };
  return [
    { kind: 'metric', metric: { name: 'drawdown_1h', labels, value: f.drawdown1h, ts } },
    { kind: 'metric', metric: { name: 'drawdown_daily', labels, value: f.drawdownDaily, ts } },
    { kind: 'metric', metric: { name: 'max_drawdown_1h', labels, value: f.maxDrawdown1h, ts } },
    { kind: 'metric', metric: { name: 'max_drawdown_daily', labels, value: f.maxDrawdownDaily, ts } },
    {
      kind: 'row',
      row: { table: 'portfolio_marks', ts, symbols: labels, columns: { equity, cash: record.cash } },
    },
    {
      kind: 'row',
      row: {
        table: 'drawdown',
        ts,
        symbols: labels,
        columns: {
          equity,
          drawdown_1h: f.drawdown1h,
          drawdown_daily: f.drawdownDaily,
          max_drawdown_1h: f.maxDrawdown1h,
          max_drawdown_daily: f.maxDrawdownDaily,
          peak_1h: f.peak1h,
          peak_daily: f.peakDaily,
        },
      },
    },
  ];
}
