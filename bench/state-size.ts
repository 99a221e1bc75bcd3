/**
 * How big the drawdown processor's state is per tracked key (issue 13: "≤ 1 KiB per tracked key beyond
 * the window's own contents"; the Kafka Streams peer keeps ~320 encoded bytes per key): the bench's
 * marks (bench/marks.ts: one mark per portfolio every 10 s, a geometric random walk with crashes) for
 * `--portfolios` keys over `--hours` of event time (long enough for full windows), through
 * `createDrawdownProcessor()` in a plain loop with the states in a Map. Then, after a forced garbage
 * collection, the heap the states hold (heap used with the Map minus heap used without it, ÷ keys)
 * and their changelog encoding (`encodeState`, what the runtime writes per touched key and commit).
 *
 * "The window's own contents" is counted as 16 bytes (a float64 ts and a float64 equity) per mark in
 * the trailing window `(newest − 1 h, newest]` of each key: what any implementation must be able to
 * reach. The figure `heapBeyondWindowBytesPerKey` is the heap per key minus that. It measures; it
 * asserts nothing.
 *
 *   node bench/state-size.ts [--portfolios 2000] [--hours 3]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  createDrawdownProcessor,
  DEFAULT_DRAWDOWN_OPTIONS,
  type DrawdownState,
} from '../processors/drawdown/index.ts';
import { retainedCount, settledCount } from '../processors/drawdown/env-window.ts';
import { isLegacyEnvWindow } from '../processors/drawdown/legacy-state.ts';
import { inMemorySource, isRejection, type ProcessContext } from '../processors/contract.ts';
import { decodeState, encodeState } from '../runtime/processor/index.ts';
import { systemClock } from '../core/clock.ts';
import { silentLogger } from '../core/logger.ts';
import { markHistory, portfolioNames } from './marks.ts';
import { num, progress, round } from './progress.ts';

const SPACING_MS = 10_000;

const { values } = parseArgs({
  options: { portfolios: { type: 'string', default: '2000' }, hours: { type: 'string', default: '3' } },
});
const portfolios = Number(values.portfolios);
const hours = Number(values.hours);
if (!Number.isInteger(portfolios) || portfolios < 1 || !(hours > 0)) {
  process.stderr.write(
    'bench/state-size: --portfolios takes a positive integer, --hours a positive number\n',
  );
  process.exit(2);
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapUsed = (): number => {
  for (let i = 0; i < 3; i += 1) gc();
  return process.memoryUsage().heapUsed;
};

const load = loadavg().map((l) => round(l, 2));
const processor = createDrawdownProcessor();
const source = inMemorySource(processor.inputs[0]!);
const context: ProcessContext = { clock: systemClock, logger: silentLogger(), source, emit: () => {} };
const names = portfolioNames('state', portfolios);
const marksPerKey = Math.ceil((hours * 3_600_000) / SPACING_MS);
progress(
  `${num(portfolios)} keys × ${num(marksPerKey)} marks (${hours} h of event time) through the drawdown processor`,
);

const before = heapUsed();
// What the heap holds between measurements (dropped by deleting the member).
const held: { states?: Map<string, DrawdownState>; restored?: DrawdownState[] } = {};
const states = new Map<string, DrawdownState>();
held.states = states;
const start = performance.now();
for (const mark of markHistory({
  marks: portfolios * marksPerKey,
  portfolios: names,
  startTs: Date.UTC(2026, 0, 5, 9),
  spacingMs: SPACING_MS,
})) {
  const state = states.get(mark.portfolio) ?? processor.initialState(mark.portfolio, mark, source);
  const next = processor.process(mark, state, context);
  if (isRejection(next)) throw new Error(`bench/state-size: a bench mark was rejected: ${next.reject}`);
  states.set(mark.portfolio, next);
}
const processMs = performance.now() - start;
const withStates = heapUsed();

let encodedBytes = 0;
let encodedMax = 0;
let jsonBytes = 0;
let retained = 0;
let steps = 0;
for (const state of states.values()) {
  for (const env of Object.values(state.envs)) {
    if (isLegacyEnvWindow(env)) continue;
    retained += retainedCount(env);
    steps += settledCount(env);
  }
  const n = encodeState(state).length;
  encodedBytes += n;
  encodedMax = Math.max(encodedMax, n);
  jsonBytes += JSON.stringify(state).length;
}
// The same states as a restore from the changelog builds them (decoded from their encoding).
const beforeRestore = heapUsed();
held.restored = [...states.values()].map((state) => decodeState(encodeState(state)) as DrawdownState);
const restoredPerKey = (heapUsed() - beforeRestore) / portfolios;
progress(`${num(held.restored.length)} states restored from their changelog encoding`);
delete held.restored;
states.clear();
delete held.states;
const withoutStates = heapUsed();

// Every key got one mark every SPACING_MS: the window (newest − windowMs, newest] holds this many.
const windowMarks = Math.min(marksPerKey, Math.ceil(DEFAULT_DRAWDOWN_OPTIONS.windowMs / SPACING_MS));
const heapPerKey = (withStates - withoutStates) / portfolios;
const result = {
  at: new Date().toISOString(),
  loadAverageAtStart: load,
  loadAverageAtEnd: loadavg().map((l) => round(l, 2)),
  portfolios,
  marksPerKey,
  windowMarksPerKey: windowMarks,
  processMicrosPerMark: round((processMs * 1000) / (portfolios * marksPerKey), 3),
  heapBytesPerKey: Math.round(heapPerKey),
  /** The states alone, as a restore from the changelog builds them (no Map entry or key). */
  restoredHeapBytesPerKey: Math.round(restoredPerKey),
  windowContentsBytesPerKey: windowMarks * 16,
  heapBeyondWindowBytesPerKey: Math.round(heapPerKey - windowMarks * 16),
  /** Marks kept as they are (the grace period's) and settled steps, per key (mean). */
  retainedMarksPerKey: round(retained / portfolios, 1),
  settledStepsPerKey: round(steps / portfolios, 1),
  /** Heap per key beyond the 16 bytes of each mark the state keeps as it is. */
  heapBeyondRetainedMarksBytesPerKey: Math.round(heapPerKey - (retained / portfolios) * 16),
  encodedBytesPerKey: { mean: Math.round(encodedBytes / portfolios), max: encodedMax },
  jsonBytesPerKey: Math.round(jsonBytes / portfolios),
  peerEncodedBytesPerKey: 320,
  heapBeforeMiB: round(before / 2 ** 20, 1),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
const dir = path.join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
const file = path.join(dir, `state-size-${result.at.replace(/:/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
progress(`written to ${file}`);
