/**
 * The alerts an uninterrupted pipeline raises for some marks, computed in memory with the same pure
 * processors (drawdown, then the rules over its metric points, in order per key as Kafka delivers them):
 * what the latency phase waits for, and how it checks that none went missing.
 */
import { systemClock } from '../runtime/clock.ts';
import { runInMemory } from '../runtime/processor/index.ts';
import { createDrawdownProcessor } from '../processors/drawdown/index.ts';
import { DEFAULT_RULES_FILE, createRulesProcessor, loadRules } from '../processors/rules/index.ts';
import type { Alert, PortfolioMark } from '../schemas/index.ts';

export async function expectedAlerts(marks: readonly PortfolioMark[]): Promise<Alert[]> {
  const metrics = runInMemory(createDrawdownProcessor(), marks, systemClock).flatMap((o) =>
    o.kind === 'metric' ? [o.metric] : [],
  );
  const rules = createRulesProcessor(await loadRules(DEFAULT_RULES_FILE));
  return runInMemory(rules, metrics, systemClock).flatMap((o) => (o.kind === 'alert' ? [o.alert] : []));
}
