/**
 * Runs a processor over records in memory, without Kafka: each record through `key`, its state and
 * `process`, as one partition of its first input would deliver them. What the benchmarks and the tests'
 * reference runs compute an uninterrupted pipeline's outputs with (and what a backtest will run on).
 * Rejected records are left out; timers are not fired (use the tests' ProcessorHarness for those).
 */
import { ManualClock, type Clock } from '../clock.ts';
import { silentLogger } from '../logger.ts';
import { inMemorySource, isRejection, type Output, type Processor } from './types.ts';

export function runInMemory<In, State>(
  processor: Processor<In, State>,
  records: readonly In[],
  clock: Clock = new ManualClock(0),
): Output[] {
  const states = new Map<string, State>();
  const outputs: Output[] = [];
  const source = inMemorySource(processor.inputs[0]!);
  const context = { clock, logger: silentLogger(), source, emit: (o: Output) => void outputs.push(o) };
  for (const record of records) {
    const key = processor.key(record, source);
    const result = processor.process(
      record,
      states.get(key) ?? processor.initialState(key, record, source),
      context,
    );
    if (!isRejection(result)) states.set(key, result);
  }
  return outputs;
}
