/**
 * Phase 2, the drawdown processor alone: the same marks through `createDrawdownProcessor()` in one
 * loop, with the keyed state in a Map and an emit that collects the outputs (dropped every 10 000
 * marks, as the runtime drops a batch's outputs once produced). No Kafka, no Avro, no QuestDB: the
 * ceiling of the processing itself. Then the virtual runner against that plain loop, and on the
 * precision@K chain (bench/virtual-runner.ts).
 *
 * Then, to attribute the pipeline's cost, the per-item cost of the runtime's other CPU work measured the
 * same way: decoding a mark, encoding a metric point, and serializing a key's state for the changelog,
 * as JSON (what it wrote before) and in its binary encoding (what it writes: every touched key's whole
 * state once per commit).
 */
import { createDrawdownProcessor } from '../processors/drawdown/index.ts';
import { createProcessors } from '../processors/index.ts';
import { encodeState, type Output } from '../runtime/processor/index.ts';
import type { Codec, Metric, PortfolioMark } from '../schemas/index.ts';
import { rankingEvents } from './processor-events.ts';
import { num, progress, round } from './progress.ts';
import { compareChain, compareDrawdown, plainLoop, type Comparison } from './virtual-runner.ts';

export interface InMemoryResult {
  readonly marks: number;
  readonly ms: number;
  readonly marksPerSecond: number;
  readonly outputs: { readonly metrics: number; readonly rows: number; readonly alerts: number };
  readonly rejected: number;
  /** The virtual runner's time ÷ a plain loop's (bench/virtual-runner.ts). */
  readonly virtualRunner: { readonly drawdown: Comparison; readonly chain: Comparison };
  /** Per-item CPU cost of the runtime's other work, microseconds (single thread). */
  readonly costs: {
    readonly processMicrosPerMark: number;
    readonly decodeMicrosPerMark: number;
    readonly encodeMetricMicrosPerPoint: number;
    /** JSON.stringify of one key's state at the end of the run (what the changelog gets per touched key). */
    readonly stateJsonMicrosPerKey: number;
    readonly stateJsonBytesPerKey: { readonly mean: number; readonly max: number };
    /** The changelog's encoding of the same (runtime/processor/state-codec.ts): what it writes now. */
    readonly stateEncodedMicrosPerKey: number;
    readonly stateEncodedBytesPerKey: { readonly mean: number; readonly max: number };
  };
}

export async function runInMemory(
  marks: readonly PortfolioMark[],
  markCodec: Codec<PortfolioMark>,
  metricCodec: Codec<Metric>,
  chainEvents: number,
): Promise<InMemoryResult> {
  progress(`phase 2: ${num(marks.length)} marks through createDrawdownProcessor() in memory`);
  const outputs = { metrics: 0, rows: 0, alerts: 0 };
  const tally = (collected: Output[]): void => {
    for (const o of collected)
      outputs[o.kind === 'metric' ? 'metrics' : o.kind === 'row' ? 'rows' : 'alerts'] += 1;
  };
  const { ms, states, rejected } = plainLoop(createDrawdownProcessor(), marks, tally);
  progress(
    `  in memory: ${num(marks.length)} marks in ${num(ms, 0)} ms: ${num((marks.length / ms) * 1000)} marks/s`,
  );
  progress('  the virtual runner against a plain loop: drawdown, then the precision@K chain');
  const drawdown = compareDrawdown(createDrawdownProcessor, marks);
  const chain = await compareChain(
    () => createProcessors(['ranking-repartition', 'ranking', 'ranking-rolling']),
    rankingEvents(chainEvents, marks[0]?.ts ?? 0),
  );
  progress(`  virtual ÷ plain: drawdown ${drawdown.ratio}, precision@K chain ${chain.ratio}`);

  progress('  measuring the per-item cost of decoding, metric encoding and state serialization');
  const sample = marks.slice(0, Math.min(marks.length, 200_000));
  const encoded = sample.map((m) => markCodec.encode(m));
  let t = performance.now();
  for (const bytes of encoded) markCodec.decode(bytes);
  const decodeMicros = ((performance.now() - t) * 1000) / encoded.length;
  const points: Metric[] = sample.map((m) => ({
    name: 'drawdown_1h',
    labels: { portfolio: m.portfolio, env: m.env },
    value: m.equity / 1e7,
    ts: m.ts,
  }));
  t = performance.now();
  for (const point of points) metricCodec.encode(point);
  const encodeMicros = ((performance.now() - t) * 1000) / points.length;
  const sizes: number[] = [];
  t = performance.now();
  for (const state of states.values()) sizes.push(JSON.stringify(state).length);
  const jsonMicros = ((performance.now() - t) * 1000) / Math.max(1, states.size);
  const encodedSizes: number[] = [];
  t = performance.now();
  for (const state of states.values()) encodedSizes.push(encodeState(state).length);
  const encodedMicros = ((performance.now() - t) * 1000) / Math.max(1, states.size);
  return {
    virtualRunner: { drawdown, chain },
    marks: marks.length,
    ms: Math.round(ms),
    marksPerSecond: Math.round((marks.length / ms) * 1000),
    outputs,
    rejected,
    costs: {
      processMicrosPerMark: round((ms * 1000) / marks.length, 2),
      decodeMicrosPerMark: round(decodeMicros, 2),
      encodeMetricMicrosPerPoint: round(encodeMicros, 2),
      stateJsonMicrosPerKey: round(jsonMicros, 1),
      stateJsonBytesPerKey: {
        mean: Math.round(sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length)),
        max: Math.max(0, ...sizes),
      },
      stateEncodedMicrosPerKey: round(encodedMicros, 1),
      stateEncodedBytesPerKey: {
        mean: Math.round(encodedSizes.reduce((a, b) => a + b, 0) / Math.max(1, encodedSizes.length)),
        max: Math.max(0, ...encodedSizes),
      },
    },
  };
}
