/**
 * What an uninterrupted pipeline produces, computed in memory with the same pure processors: drawdown
 * over the marks (in order per portfolio, as Kafka delivers them), then the rules over the resulting
 * metric points (in order per series). The end-to-end tests compare the real pipeline's topics with it.
 */
import { ManualClock } from '../../runtime/clock.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { inMemorySource, isRejection, type Output, type Processor } from '../../runtime/processor/index.ts';
import { createDrawdownProcessor } from '../../processors/drawdown/index.ts';
import { DEFAULT_RULES_FILE, createRulesProcessor, loadRules } from '../../processors/rules/index.ts';
import type { Alert, Metric, PortfolioMark } from '../../schemas/index.ts';

function runAll<In, State>(processor: Processor<In, State>, records: readonly In[]): Output[] {
  const states = new Map<string, State>();
  const outputs: Output[] = [];
  const source = inMemorySource(processor.inputs[0]!);
  const context = {
    clock: new ManualClock(0),
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

export interface ReferenceResult {
  readonly metrics: Metric[];
  readonly alerts: Alert[];
  /** Rows per table. */
  readonly rows: Map<string, number>;
}

export async function referenceRun(marks: readonly PortfolioMark[]): Promise<ReferenceResult> {
  const drawdownOutputs = runAll(createDrawdownProcessor(), marks);
  const metrics = drawdownOutputs.flatMap((o) => (o.kind === 'metric' ? [o.metric] : []));
  const rulesOutputs = runAll(createRulesProcessor(await loadRules(DEFAULT_RULES_FILE)), metrics);
  const alerts = rulesOutputs.flatMap((o) => (o.kind === 'alert' ? [o.alert] : []));
  const rows = new Map<string, number>();
  for (const o of [...drawdownOutputs, ...rulesOutputs]) {
    if (o.kind === 'row') rows.set(o.row.table, (rows.get(o.row.table) ?? 0) + 1);
  }
  return { metrics, alerts, rows };
}
