/**
 * The backtest benchmark (issue 14, section 8), in one process, no services:
 * - the engine: one year of hourly rebalances (8,760) over 500 candidates and 3 factors (the model score
 *   and two signals), in this thread (target ≤ 10 s);
 * - the monitoring replay (the six live processors of backtest/replay.ts with the default rules, on the
 *   virtual runner) over its equity, against the same processors wired by hand in a plain loop, fed the
 *   same records (target ≥ 0.8× that rate);
 * - four slices on two worker threads against one.
 * `npx --no-install node bench/backtest.ts [--hours 8760] [--assets 500] [--engine-only]`; the figures as JSON on
 * standard output and in bench/results/backtest-<ISO time>.json.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { parseBacktestConfig, type BacktestConfig } from '../backtest/config.ts';
import {
  computeRebalances,
  mergeSlices,
  rebalanceCycles,
  sliceInputs,
  timeSlices,
  type BacktestInputs,
  type HistoryCycle,
  type HistoryOutcome,
  type HistorySignal,
} from '../backtest/engine/index.ts';
import {
  backtestStrategy,
  equityMarks,
  periodPnl,
  rankingCycle,
  rankingOutcomes,
  replay,
  replayAlerts,
  replayProcessors,
} from '../backtest/replay.ts';
import { runSlices } from '../backtest/threads.ts';
import { compileRankingOptions } from '../processors/ranking/index.ts';
import { DEFAULT_RULES_FILE, loadRules } from '../processors/rules/index.ts';
import { ManualClock } from '../core/clock.ts';
import type { PortfolioMark } from '../schemas/index.ts';
import { seriesKey } from '../topics/catalogue.ts';
import { handWired } from './virtual-runner.ts';

const H = 3_600_000;
const T0 = Date.parse('2025-01-01T00:00:00Z');

function inputs(hours: number, assets: number): BacktestInputs {
  let state = 42;
  const random = (): number => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const names = Array.from({ length: assets }, (_, i) => `A${String(i).padStart(4, '0')}`);
  const cycles: HistoryCycle[] = [];
  const outcomes: HistoryOutcome[] = [];
  const signals: HistorySignal[] = [];
  for (let h = 0; h < hours; h++) {
    const asOf = T0 + h * H;
    const scored = names.map((asset) => ({ asset, score: random() }));
    scored.sort((a, b) => b.score - a.score);
    cycles.push({
      cycleId: `c${h}`,
      asOf,
      horizonMs: H,
      status: 'success',
      ingestedAt: asOf + 1000,
      predictions: scored.map((p, i) => ({ ...p, rank: i + 1 })),
    });
    for (const asset of names) {
      outcomes.push({
        asset,
        asOf,
        horizonMs: H,
        forwardReturn: (random() - 0.5) / 50,
        ingestedAt: asOf + H,
      });
    }
    // Each signal every 6 hours per asset.
    if (h % 6 === 0) {
      for (const asset of names) {
        for (const name of ['commits', 'stars']) {
          signals.push({
            asset,
            source: 'github',
            name,
            value: random() * 100,
            eventTime: asOf,
            ingestedAt: asOf + 60_000,
          });
        }
      }
    }
  }
  return { cycles, outcomes, signals };
}

const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;
/** CPU seconds of this process so far. */
const cpuSeconds = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * The reference for the engine's time: one plain pass over the same inputs (every prediction, outcome
 * and signal read once), so the ratio engine ÷ reference compares runs on a shared machine.
 */
function readInputs(data: BacktestInputs): number {
  let sum = 0;
  for (const c of data.cycles) for (const p of c.predictions) sum += p.score + p.rank + p.asset.length;
  for (const o of data.outcomes) sum += o.forwardReturn + o.asOf + o.asset.length;
  for (const s of data.signals) sum += s.value + s.eventTime + s.asset.length;
  return sum;
}

/** The fastest of three timed calls of `f`, in seconds. */
function fastest(f: () => unknown): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const start = process.hrtime.bigint();
    f();
    best = Math.min(best, seconds(start));
  }
  return best;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      hours: { type: 'string', default: '8760' },
      assets: { type: 'string', default: '500' },
      'engine-only': { type: 'boolean', default: false },
    },
  });
  const hours = Number(values.hours);
  const assets = Number(values.assets);
  const days = Math.ceil(hours / 24);
  const config = (every: string): BacktestConfig =>
    parseBacktestConfig(
      [
        'version: 2',
        'id: bench',
        'strategy: bench',
        'env: paper',
        `from: ${new Date(T0).toISOString()}`,
        `to: ${new Date(T0 + days * 24 * H).toISOString()}`,
        'horizon: 1h',
        'factors: [{ name: model_score, weight: 1 }, { name: "signal:github.commits", weight: 0.3, max_age: 1d }, { name: "signal:github.stars", weight: 0.2, max_age: 1d }]',
        'selection: { k: 20, weighting: score }',
        'costs: { fee_bps: 10, slippage_bps: 5 }',
        `monitoring: { rules: ${DEFAULT_RULES_FILE} }`,
        every,
      ].join('\n'),
      'bench.yaml',
    );
  let start = process.hrtime.bigint();
  const data = inputs(hours, assets);
  const generateS = seconds(start);

  // The engine, in this thread, between two measures of the reference (the inputs read once).
  const loadAtStart = loadavg();
  const whole = config('');
  const referenceBefore = fastest(() => readInputs(data));
  start = process.hrtime.bigint();
  const schedule = rebalanceCycles(data.cycles, whole);
  const oneSlice = sliceInputs(data, whole, [whole.from, whole.to], schedule);
  const rebalances = computeRebalances(oneSlice, whole);
  const { periods, metrics } = mergeSlices([rebalances], whole);
  const engineS = seconds(start);
  const referenceS = Math.min(
    referenceBefore,
    fastest(() => readInputs(data)),
  );
  const engine = {
    seconds: engineS,
    rebalancesPerSecond: periods.length / engineS,
    targetSeconds: 10,
    referenceSeconds: referenceS,
    overReference: engineS / referenceS,
    // The periods' figures (sha-256 of their JSON): equal between commits that change no figure.
    periodsDigest: createHash('sha256').update(JSON.stringify(periods)).digest('hex'),
    loadAverage: { atStart: loadAtStart, atEnd: loadavg() },
  };
  if (values['engine-only']) {
    process.stdout.write(`${JSON.stringify({ engine, metrics }, null, 2)}\n`);
    return;
  }

  // The monitoring replay against the same six processors wired by hand in a plain loop, fed the
  // same records in the same order (bench/virtual-runner.ts `handWired`: no timers, no changelog).
  // Rounds alternate which side goes first; a first round warms both up and is not counted; the
  // figure is the median of the rounds' ratios (CPU time: a shared machine's load inflates wall time).
  const compiledRules = await loadRules(DEFAULT_RULES_FILE);
  const marks = equityMarks(whole, periods);
  const replaySeconds: number[] = [];
  const loopSeconds: number[] = [];
  const ratios: number[] = [];
  let alerts: ReturnType<typeof replayAlerts> = [];
  let loopOutputs = { alerts: 0, metrics: 0 };
  const byT = new Map(rebalances.map((r) => [r.t, r]));
  const strategy = backtestStrategy(whole.id);
  const plainReplay = (): { alerts: number; metrics: number } => {
    const clock = new ManualClock(periods[0]!.t);
    const wired = handWired(replayProcessors(compiledRules, whole), clock);
    const count = { alerts: 0, metrics: 0 };
    const tally = (): void => {
      for (const o of wired.take()) {
        if (o.kind === 'alert') count.alerts += 1;
        else if (o.kind === 'metric') count.metrics += 1;
      }
    };
    const mark = (m: PortfolioMark): void =>
      wired.send({
        topic: 'portfolio.marks',
        type: 'PortfolioMark',
        key: m.portfolio,
        value: m,
        partition: 0,
        timestamp: m.ts,
      });
    mark(marks[0]!);
    let previous = whole.initialEquity;
    for (let i = 0; i < periods.length; i += 1) {
      const p = periods[i]!;
      const r = byT.get(p.t);
      wired.advanceTo(p.t);
      const cycle = r === undefined ? null : rankingCycle(whole, r);
      if (cycle !== null)
        wired.send({
          topic: 'inference.cycles',
          type: 'InferenceCycle',
          key: strategy,
          value: cycle,
          partition: 0,
          timestamp: p.t,
        });
      tally();
      wired.advanceTo(p.t + whole.horizonMs);
      if (r !== undefined)
        for (const o of rankingOutcomes(whole, r))
          wired.send({
            topic: 'outcomes',
            type: 'Outcome',
            key: o.asset,
            value: o,
            timestamp: p.t + whole.horizonMs,
          });
      mark(marks[i + 1]!);
      const pnl = periodPnl(whole, p, previous);
      previous = p.equity;
      wired.send({
        topic: 'metrics',
        type: 'Metric',
        key: seriesKey(pnl.name, pnl.labels),
        value: pnl,
        partition: 0,
        timestamp: pnl.ts,
      });
      tally();
    }
    const { deadlineMs } = compileRankingOptions({ ks: whole.ks, relevance: whole.relevance });
    if (deadlineMs !== null) wired.advanceTo(periods.at(-1)!.t + whole.horizonMs + deadlineMs);
    tally();
    return count;
  };
  for (let round = -1; round < 9; round++) {
    const sides = [
      () => (alerts = replayAlerts(compiledRules, whole, periods, rebalances)),
      () => (loopOutputs = plainReplay()),
    ];
    const spent = [0, 0];
    for (let turn = 0; turn < 2; turn += 1) {
      const side = (turn + round + 1) % 2;
      const started = cpuSeconds();
      sides[side]!();
      spent[side] = cpuSeconds() - started;
    }
    if (round < 0) continue;
    replaySeconds.push(spent[0]!);
    loopSeconds.push(spent[1]!);
    ratios.push(spent[1]! / spent[0]!);
  }
  // The same work: the same alerts and as many metric points.
  const checked = replay(compiledRules, whole, periods, rebalances, { keepMetrics: true });
  if (loopOutputs.alerts !== alerts.length || loopOutputs.metrics !== checked.metrics.length)
    throw new Error(
      `the plain loop emitted ${loopOutputs.alerts} alerts and ${loopOutputs.metrics} metric points, ` +
        `the replay ${alerts.length} and ${checked.metrics.length}: not the same work`,
    );

  // Four slices on two worker threads against one.
  const four = config(`slice: { every: ${Math.ceil(days / 4)}d }`);
  const slices = timeSlices(four).map((range) => sliceInputs(data, four, range, schedule));
  start = process.hrtime.bigint();
  const oneThread = await runSlices(slices, four, { threads: 1, thread: true });
  const oneThreadS = seconds(start);
  start = process.hrtime.bigint();
  const twoThreads = await runSlices(slices, four, { threads: 2 });
  const twoThreadsS = seconds(start);
  const same =
    JSON.stringify(mergeSlices(twoThreads, four).metrics) === JSON.stringify(metrics) &&
    JSON.stringify(mergeSlices(oneThread, four).metrics) === JSON.stringify(metrics);

  const result = {
    at: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      parallelism: availableParallelism(),
      model: cpus()[0]?.model,
      node: process.version,
    },
    workload: { rebalances: periods.length, assets, factors: 3, k: 20, generateS },
    engine,
    replay: {
      marks: marks.length,
      alerts: alerts.length,
      // CPU seconds, medians of 9 rounds; the rate is the median of the rounds' plain ÷ replay.
      seconds: median(replaySeconds),
      plainLoopSeconds: median(loopSeconds),
      rateVsPlainLoop: median(ratios),
      metricPoints: checked.metrics.length,
      processors: replayProcessors(compiledRules, whole).map((p) => p.name),
      target: 0.8,
    },
    slices: {
      slices: slices.length,
      oneThreadSeconds: oneThreadS,
      twoThreadsSeconds: twoThreadsS,
      speedup: oneThreadS / twoThreadsS,
      sameMetrics: same,
    },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  await mkdir(new URL('./results/', import.meta.url), { recursive: true });
  await writeFile(
    new URL(`./results/backtest-${result.at.replace(/[:.]/g, '-')}.json`, import.meta.url),
    `${JSON.stringify(result, null, 2)}\n`,
  );
}

await main();
