/**
 * Phase 2, the drawdown processor alone: the same marks through `createDrawdownProcessor()` in one
 * loop, with the keyed state in a Map and an emit that collects the outputs (dropped every 10 000
 * marks, as the runtime drops a batch's outputs once produced). No Kafka, no Avro, no QuestDB: the
 * ceiling of the processing itself.
 *
 * Then, to attribute the pipeline's cost, the per-item cost of the runtime's other CPU work measured the
 * same way: decoding a mark, encoding a metric point, and serializing a key's state to JSON for the
 * changelog (the runtime writes every touched key's whole state after every batch).
 */
import { createDrawdownProcessor, type DrawdownState } from '../processors/drawdown/index.ts';
import { systemClock } from '../runtime/clock.ts';
import { silentLogger } from '../runtime/logger.ts';
import { inMemorySource, isRejection, type Output } from '../runtime/processor/index.ts';
import type { Codec, Metric, PortfolioMark } from '../schemas/index.ts';
import { num, progress, round } from './progress.ts';

export interface InMemoryResult {
  readonly marks: number;
  readonly ms: number;
  readonly marksPerSecond: number;
  readonly outputs: { readonly metrics: number; readonly rows: number; readonly alerts: number };
  readonly rejected: number;
  /** Per-item CPU cost of the runtime's other work, microseconds (single thread). */
  readonly costs: {
    readonly processMicrosPerMark: number;
    readonly decodeMicrosPerMark: number;
    readonly encodeMetricMicrosPerPoint: number;
    /** JSON.stringify of one key's state at the end of the run (what the changelog gets per touched key). */
    readonly stateJsonMicrosPerKey: number;
    readonly stateJsonBytesPerKey: { readonly mean: number; readonly max: number };
  };
}

export function runInMemory(
  marks: readonly PortfolioMark[],
  markCodec: Codec<PortfolioMark>,
  metricCodec: Codec<Metric>,
): InMemoryResult {
  progress(`phase 2: ${num(marks.length)} marks through createDrawdownProcessor() in memory`);
  const processor = createDrawdownProcessor();
  const states = new Map<string, DrawdownState>();
  let collected: Output[] = [];
  const source = inMemorySource(processor.inputs[0]!);
  const context = {
    clock: systemClock,
    logger: silentLogger(),
    source,
    emit: (output: Output) => void collected.push(output),
  };
  const outputs = { metrics: 0, rows: 0, alerts: 0 };
  const tally = (): void => {
    for (const o of collected)
      outputs[o.kind === 'metric' ? 'metrics' : o.kind === 'row' ? 'rows' : 'alerts'] += 1;
    collected = [];
  };
  let rejected = 0;
  const started = performance.now();
  for (let i = 0; i < marks.length; i += 1) {
    const mark = marks[i] as PortfolioMark;
    const key = processor.key(mark, source);
    const result = processor.process(
      mark,
      states.get(key) ?? processor.initialState(key, mark, source),
      context,
    );
    if (isRejection(result)) rejected += 1;
    else states.set(key, result);
    if (i % 10_000 === 9_999) tally();
  }
  const ms = performance.now() - started;
  tally();
  progress(
    `  in memory: ${num(marks.length)} marks in ${num(ms, 0)} ms: ${num((marks.length / ms) * 1000)} marks/s`,
  );

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
  return {
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
    },
  };
}
