/**
 * The alerts an uninterrupted pipeline raises for some marks, computed in memory with the same pure
 * processors (drawdown, its metric points fed to the rules, on the virtual runner): what the latency
 * phase waits for, and how it checks that none went missing.
 */
import { VirtualRunner } from '../runtime/processor/index.ts';
import { createDrawdownProcessor } from '../processors/drawdown/index.ts';
import { DEFAULT_RULES_FILE, createRulesProcessor, loadRules } from '../processors/rules/index.ts';
import type { Alert, PortfolioMark } from '../schemas/index.ts';

export async function expectedAlerts(marks: readonly PortfolioMark[]): Promise<Alert[]> {
  const rules = createRulesProcessor(await loadRules(DEFAULT_RULES_FILE));
  const runner = new VirtualRunner([createDrawdownProcessor(), rules], { roundTrip: false });
  runner.feedAll('portfolio.marks', marks);
  return runner.alerts();
}
