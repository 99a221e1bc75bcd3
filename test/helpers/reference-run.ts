/**
 * What an uninterrupted pipeline produces, computed in memory with the same pure processors: drawdown
 * over the marks (in order per portfolio, as Kafka delivers them), then the rules over the resulting
 * metric points (in order per series). The end-to-end tests compare the real pipeline's topics with it.
 */
import { runInMemory } from '../../runtime/processor/index.ts';
import { createDrawdownProcessor } from '../../processors/drawdown/index.ts';
import { DEFAULT_RULES_FILE, createRulesProcessor, loadRules } from '../../processors/rules/index.ts';
import type { Alert, Metric, PortfolioMark } from '../../schemas/index.ts';

export interface ReferenceResult {
  readonly metrics: Metric[];
  readonly alerts: Alert[];
  /** Rows per table. */
  readonly rows: Map<string, number>;
}

export async function referenceRun(marks: readonly PortfolioMark[]): Promise<ReferenceResult> {
  const drawdownOutputs = runInMemory(createDrawdownProcessor(), marks);
  const metrics = drawdownOutputs.flatMap((o) => (o.kind === 'metric' ? [o.metric] : []));
  const rulesOutputs = runInMemory(createRulesProcessor(await loadRules(DEFAULT_RULES_FILE)), metrics);
  const alerts = rulesOutputs.flatMap((o) => (o.kind === 'alert' ? [o.alert] : []));
  const rows = new Map<string, number>();
  for (const o of [...drawdownOutputs, ...rulesOutputs]) {
    if (o.kind === 'row') rows.set(o.row.table, (rows.get(o.row.table) ?? 0) + 1);
  }
  return { metrics, alerts, rows };
}
