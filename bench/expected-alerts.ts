/**
 * The alerts an uninterrupted pipeline raises for some marks, computed in memory with the same pure
 * processors (drawdown, then the rules over its metric points, in order per key as Kafka delivers them):
 * what the latency phase waits for, and how it checks that none went missing.
 */
import { systemClock } from '../runtime/clock.ts';
import { silentLogger } from '../runtime/logger.ts';
import { inMemorySource, isRejection, type Output, type Processor } from '../runtime/processor/index.ts';
import { createDrawdownProcessor } from '../processors/drawdown/index.ts';
import { DEFAULT_RULES_FILE, createRulesProcessor, loadRules } from '../processors/rules/index.ts';
import type { Alert, PortfolioMark } from '../schemas/index.ts';

function runAll<In, State>(processor: Processor<In, State>, records: readonly In[]): Output[] {
  const states = new Map<string, State>();
  const outputs: Output[] = [];
  const source = inMemorySource(processor.inputs[0]!);
  const context = {
    clock: systemClock,
    logger: silentLogger(),
    source,
    emit: (o: Output) => void outputs.push(o),
  };
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

export async function expectedAlerts(marks: readonly PortfolioMark[]): Promise<Alert[]> {
  const metrics = runAll(createDrawdownProcessor(), marks).flatMap((o) =>
    o.kind === 'metric' ? [o.metric] : [],
  );
  const rules = createRulesProcessor(await loadRules(DEFAULT_RULES_FILE));
  return runAll(rules, metrics).flatMap((o) => (o.kind === 'alert' ? [o.alert] : []));
}
