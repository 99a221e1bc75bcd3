/**
 * What an uninterrupted pipeline produces, computed in memory with the same pure processors: drawdown
 * over the marks (in order per portfolio, as Kafka delivers them), its metric points fed to the rules, on
 * the virtual runner. The end-to-end tests compare the real pipeline's topics with it.
 */
import { VirtualRunner } from '../../runtime/processor/index.ts';
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
  const rules = createRulesProcessor(await loadRules(DEFAULT_RULES_FILE));
  const runner = new VirtualRunner([createDrawdownProcessor(), rules]);
  runner.feedAll('portfolio.marks', marks);
  const rows = new Map<string, number>();
  for (const row of runner.rows()) rows.set(row.table, (rows.get(row.table) ?? 0) + 1);
  return { metrics: runner.metrics(), alerts: runner.alerts(), rows };
}
